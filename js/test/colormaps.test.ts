import { describe, expect, it } from 'vitest';

import { colorize } from '../src/viewer/colorize';
import { COLORMAP_NAMES, hexColor, lut, lutIndex, normalize } from '../src/viewer/colormaps';
import { formatLength, niceLength } from '../src/viewer/scaleBar';

describe('colour math', () => {
  it('ships the colormaps users expect, 256 RGB entries each', () => {
    for (const name of ['gray', 'viridis', 'magma', 'inferno', 'plasma', 'turbo']) {
      expect(COLORMAP_NAMES).toContain(name);
      expect(lut(name).length).toBe(768);
    }
    expect(Array.from(lut('gray').slice(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(lut('gray').slice(765))).toEqual([255, 255, 255]);
    expect(Array.from(lut('viridis').slice(0, 3))).toEqual([68, 1, 84]);
  });

  it('normalizes with clamping and gamma, keeping NaN', () => {
    expect(normalize(150, 100, 200, 1)).toBe(0.5);
    expect(normalize(50, 100, 200, 1)).toBe(0);
    expect(normalize(500, 100, 200, 1)).toBe(1);
    expect(normalize(150, 100, 200, 2)).toBe(0.25);
    expect(Number.isNaN(normalize(NaN, 0, 1, 1))).toBe(true);
    expect(lutIndex(0.5)).toBe(128);
    expect(hexColor('FF8000')).toEqual([1, 128 / 255, 0]);
  });

  it('colours a single channel through the LUT and mixes a composite additively', () => {
    const tile = { width: 2, height: 1, channels: 2, data: new Float32Array([0, 100, 100, 50]) };
    const single = colorize(tile, {
      mode: 'single',
      lut: lut('gray'),
      gamma: 1,
      channels: [{ layer: 1, color: [1, 1, 1], low: 0, high: 100 }],
      signature: ''
    });
    expect(Array.from(single)).toEqual([255, 255, 255, 255, 128, 128, 128, 255]);
    const mixed = colorize(tile, {
      mode: 'composite',
      lut: lut('gray'),
      gamma: 1,
      channels: [
        { layer: 0, color: [1, 0, 0], low: 0, high: 100 },
        { layer: 1, color: [0, 1, 0], low: 0, high: 100 }
      ],
      signature: ''
    });
    expect(Array.from(mixed)).toEqual([0, 255, 0, 255, 255, 128, 0, 255]);
  });

  it('rounds the scale bar to 1, 2 or 5 times a power of ten', () => {
    expect(niceLength(10, 160)).toEqual({ length: 10, pixels: 100 });
    expect(niceLength(3, 160).length).toBe(50);
    expect(niceLength(100, 160).length).toBe(1);
    expect(niceLength(1000, 160).length).toBeCloseTo(0.1);
    expect(formatLength(50, 'micrometer')).toBe('50 µm');
    expect(formatLength(0.2, 'micrometer')).toBe('0.2 µm');
  });
});
