import { describe, expect, it } from 'vitest';

import type { Answer } from '../src/protocol/answer';
import { colorizeLabels } from '../src/viewer/labels/colorizeLabels';
import { decodeLabelTile, labelAt } from '../src/viewer/labels/labelIds';
import { labelLayout } from '../src/viewer/labels/labelLayout';
import { LabelPalette, packRgba } from '../src/viewer/labels/labelPalette';

function answer(dtype: string, shape: number[], body: ArrayBuffer): Answer {
  return { status: 200, headers: { 'X-Zarrview-Dtype': dtype, 'X-Zarrview-Shape': shape.join(',') }, body };
}

describe('label ids', () => {
  it('keeps 64-bit ids exact, past 2^53 as decimal strings', () => {
    const values = new BigUint64Array([0n, 7n, 2n ** 53n + 1n, 2n ** 64n - 1n]);
    const ids = decodeLabelTile(answer('uint64', [2, 2], values.buffer), false);
    expect([0, 1, 2, 3].map(i => labelAt(ids, i))).toEqual([0, 7, '9007199254740993', '18446744073709551615']);
    const signed = decodeLabelTile(answer('int64', [1, 3], new BigInt64Array([-1n, -(2n ** 60n), 5n]).buffer), false);
    expect([0, 1, 2].map(i => labelAt(signed, i))).toEqual([-1, '-1152921504606846976', 5]);
  });

  it('reads a transposed plane (row axis after the column axis) as rows of the screen', () => {
    // Stored as [col][row]: cols 0..2, rows 0..1.
    const stored = new Uint16Array([1, 2, 3, 4, 5, 6]);
    const ids = decodeLabelTile(answer('uint16', [3, 2], stored.buffer), true);
    expect([ids.width, ids.height]).toEqual([3, 2]);
    expect(Array.from(ids.small as Uint16Array)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('honours a body that starts inside a larger buffer, and refuses floats and wrong sizes', () => {
    const buffer = new Uint8Array([99, 1, 2, 3, 4]).buffer;
    const ids = decodeLabelTile({ ...answer('uint8', [2, 2], buffer), body: new DataView(buffer, 1, 4) }, false);
    expect(Array.from(ids.small as Uint8Array)).toEqual([1, 2, 3, 4]);
    expect(() => decodeLabelTile(answer('float32', [1, 1], new ArrayBuffer(4)), false)).toThrow(/integers/);
    expect(() => decodeLabelTile(answer('uint8', [2, 2], new ArrayBuffer(3)), false)).toThrow(/4 bytes/);
  });
});

describe('label colours', () => {
  it('uses the given colours exactly, id 0 transparent unless given', () => {
    const palette = new LabelPalette([
      { 'label-value': 3, rgba: [255, 0, 0, 255] },
      { 'label-value': '18446744073709551615', rgba: [0, 0, 255, 128] }
    ]);
    expect(palette.color(3)).toBe(packRgba(255, 0, 0, 255));
    expect(palette.color('18446744073709551615')).toBe(packRgba(0, 0, 255, 128));
    expect(palette.color(0)).toBe(0);
    expect(new LabelPalette([{ 'label-value': 0, rgba: [1, 2, 3, 4] }]).color(0)).toBe(packRgba(1, 2, 3, 4));
  });

  it('gives other ids bright, opaque, distinct colours, the same in every palette', () => {
    const a = new LabelPalette();
    const b = new LabelPalette();
    const colors = new Set<number>();
    for (let id = 1; id <= 1000; id++) {
      const color = a.color(id);
      expect(color).toBe(b.color(id));
      expect(color >>> 24).toBe(255);
      const [r, g, bl] = [color & 255, (color >>> 8) & 255, (color >>> 16) & 255];
      expect(Math.max(r, g, bl)).toBeGreaterThanOrEqual(200);
      colors.add(color);
    }
    expect(colors.size).toBeGreaterThan(990);
    // Neighbouring ids are far apart in colour, not shades of one hue.
    const [c1, c2] = [a.color(41), a.color(42)];
    const distance = [0, 8, 16].reduce((sum, shift) => sum + Math.abs(((c1 >>> shift) & 255) - ((c2 >>> shift) & 255)), 0);
    expect(distance).toBeGreaterThan(60);
  });
});

describe('colouring a plane of ids', () => {
  const field = new Uint8Array(36);
  for (let r = 1; r <= 4; r++) {
    for (let c = 1; c <= 4; c++) {
      field[r * 6 + c] = 5;
    }
  }
  const ids = { width: 6, height: 6, small: field, words: null, signed: false };
  const palette = new LabelPalette([{ 'label-value': 5, rgba: [10, 20, 30, 255] }]);
  const at = (rgba: Uint8ClampedArray, r: number, c: number) => Array.from(rgba.slice((r * 6 + c) * 4, (r * 6 + c) * 4 + 4));

  it('fills each label with its colour and leaves the background clear', () => {
    const rgba = colorizeLabels(ids, palette, false);
    expect(at(rgba, 2, 2)).toEqual([10, 20, 30, 255]);
    expect(at(rgba, 1, 4)).toEqual([10, 20, 30, 255]);
    expect(at(rgba, 0, 0)).toEqual([0, 0, 0, 0]);
    expect(at(rgba, 5, 5)).toEqual([0, 0, 0, 0]);
  });

  it('in outline mode colours only the border of each label', () => {
    const rgba = colorizeLabels(ids, palette, true);
    expect(at(rgba, 1, 1)).toEqual([10, 20, 30, 255]);
    expect(at(rgba, 1, 3)).toEqual([10, 20, 30, 255]);
    expect(at(rgba, 2, 2)).toEqual([0, 0, 0, 0]); // inside
    expect(at(rgba, 0, 2)).toEqual([0, 0, 0, 0]); // the background's border is id 0: clear
  });
});

describe('a label image under the image', () => {
  const axes = ['z', 'y', 'x'].map(name => ({ name, type: 'space', unit: 'micrometer' }));
  const info = (shape: number[], scale: number[], translation: number[], names = axes) => ({
    protocol: 1,
    name: 'x',
    kind: 'ome-ngff-0.4',
    version: 'v',
    dtype: 'uint16',
    fill_value: 0,
    axes: names,
    channel_axis: null,
    channels: [],
    levels: [{ path: '0', shape, chunks: shape, scale, translation }],
    rdefs: null,
    live: false
  });
  const image = info([10, 512, 512], [2, 0.5, 0.5], [0, 0, 0]);
  const layout = { info: image, structure: 's', refs: [], row: 1, col: 2, composite: false, indices: { z: 6 } };

  it('is placed by its own scale and translation, and cut at the same physical z', () => {
    // Labels at half the resolution, starting 4 µm further in x, with z every 4 µm.
    const labels = info([5, 256, 256], [4, 1, 1], [0, 0, 4]);
    const placed = labelLayout(layout, labels);
    expect(placed).not.toBeNull();
    const ref = placed!.refs[0]!;
    expect(ref.factor).toEqual([2, 2]); // one label pixel covers 2 image pixels
    // Label pixel 0 covers x 4..5 µm, image pixels 8 and 9: it starts at image pixel 8 - 0.5.
    expect(ref.offset[1]).toBeCloseTo(8 - 0.5);
    expect(placed!.indices).toEqual({ z: 3 }); // image z 6 is 12 µm, label plane 3
  });

  it('cannot lie over a plane whose axes it lacks', () => {
    const flat = info([256, 256], [1, 1], [0, 0], axes.slice(1));
    expect(labelLayout({ ...layout, row: 0, col: 1, info: info([10, 512], [1, 1], [0, 0], [axes[0]!, axes[2]!]) }, flat)).toBeNull();
    expect(labelLayout(layout, flat)?.indices).toEqual({});
  });
});
