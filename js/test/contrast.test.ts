import { describe, expect, it } from 'vitest';

import { contrastLimits } from '../src/viewer/contrast';

const stats = (lo: number, hi: number) => ({ percentiles: { '0.1': lo, '99.9': hi }, histogram: { min: lo, max: hi, counts: [] } });

describe('contrastLimits', () => {
  it('takes the 0.1 and 99.9 percentiles', () => {
    expect(contrastLimits(stats(12, 340))).toEqual([12, 340]);
  });

  it('draws a positive constant plane bright, not black', () => {
    const [low, high] = contrastLimits(stats(50, 50));
    expect(low).toBeLessThan(high);
    expect((50 - low) / (high - low)).toBe(1);
  });

  it('draws an empty plane (zero, or below) dark', () => {
    for (const v of [0, -3]) {
      const [low, high] = contrastLimits(stats(v, v));
      expect((v - low) / (high - low)).toBe(0);
    }
  });
});
