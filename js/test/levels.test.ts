import { describe, expect, it } from 'vitest';

import { chooseLevel, levelRefs } from '../src/viewer/levels';
import { tileSelection, tilesInView } from '../src/viewer/tileGrid';
import type { IDatasetInfo } from '../src/viewer/viewState';

function info(shapes: number[][], scales?: number[][]): IDatasetInfo {
  return {
    protocol: 1,
    name: 'x',
    kind: 'zarr-v3',
    version: 'v',
    dtype: 'uint16',
    fill_value: 0,
    axes: shapes[0]!.map((_, i) => ({ name: `d${i}`, type: null, unit: null })),
    channel_axis: null,
    channels: [],
    levels: shapes.map((shape, i) => ({
      path: String(i),
      shape,
      chunks: shape,
      scale: scales?.[i] ?? shape.map((s, a) => shapes[0]![a]! / s),
      translation: shape.map(() => 0)
    })),
    rdefs: null,
    live: true
  };
}

describe('levels', () => {
  const pyramid = info([
    [10, 4096, 4096],
    [10, 2048, 2048],
    [10, 1024, 1024]
  ]);

  it('has one ref per level, then strided virtual levels below the coarsest', () => {
    const refs = levelRefs(pyramid, 1, 2);
    expect(refs.map(r => [r.level, r.step, r.factor[0]])).toEqual([
      [0, 1, 1],
      [1, 1, 2],
      [2, 1, 4],
      [2, 2, 8],
      [2, 4, 16]
    ]);
    expect(refs[4]!.size).toEqual([256, 256]);
  });

  it('picks the coarsest level whose pixels are no bigger than a screen pixel', () => {
    const refs = levelRefs(pyramid, 1, 2);
    expect(chooseLevel(refs, 4)).toBe(0);
    expect(chooseLevel(refs, 1)).toBe(0);
    expect(chooseLevel(refs, 0.5)).toBe(1);
    expect(chooseLevel(refs, 0.3)).toBe(1);
    expect(chooseLevel(refs, 0.25)).toBe(2);
    expect(chooseLevel(refs, 0.1)).toBe(3);
    expect(chooseLevel(refs, 0.5, 2)).toBe(0); // a HiDPI screen needs finer data
  });

  it('uses strided selections for arrays without a pyramid', () => {
    const flat = info([[3000, 5000]]);
    const refs = levelRefs(flat, 0, 1);
    expect(refs.length).toBeGreaterThan(1);
    const ref = refs[2]!; // step 4
    expect(ref.step).toBe(4);
    const sel = tileSelection(2, 0, 1, ref, { ref: 2, row: 0, col: 1 }, {});
    expect(sel).toBe('0:2045:4,2048:4093:4');
  });
});

describe('tile grid', () => {
  const refs = levelRefs(info([[2048, 3000]]), 0, 1);

  it('covers the viewport, nearest the centre first', () => {
    const tiles = tilesInView(refs[0]!, 0, { center: [1024, 1500], zoom: 1, width: 800, height: 600 });
    expect(tiles.map(t => [t.row, t.col]).sort()).toEqual([
      [1, 2],
      [1, 3],
      [2, 2],
      [2, 3]
    ]);
    const edge = tilesInView(refs[0]!, 0, { center: [0, 0], zoom: 1, width: 400, height: 400 });
    expect(edge.map(t => [t.row, t.col])).toEqual([[0, 0]]);
  });

  it('asks for a tile with indices, a channel range and clipped edges', () => {
    const volume = info([[3, 40, 1000, 1100]]);
    const ref = levelRefs(volume, 2, 3)[0]!;
    expect(tileSelection(4, 2, 3, ref, { ref: 0, row: 1, col: 2 }, { 0: [0, 3], 1: 17 })).toBe('0:3,17,512:1000,1024:1100');
  });
});
