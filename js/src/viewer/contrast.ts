/** What a `stats` answer says of one channel (docs/protocol.md). */
export interface IStatsChannel {
  percentiles: Record<string, number>;
  histogram: { min: number | null; max: number | null; counts: number[] };
}

/**
 * Contrast limits from a channel's 0.1 and 99.9 percentiles. A constant plane has no spread:
 * a positive constant is drawn bright (limits [0, v]), as a plane of signal should look, and
 * zero or below dark (a plane not written yet, or an empty one).
 */
export function contrastLimits(channel: IStatsChannel | undefined): [number, number] {
  const lo = channel?.percentiles['0.1'] ?? 0;
  const hi = channel?.percentiles['99.9'] ?? 1;
  if (hi > lo) {
    return [lo, hi];
  }
  return lo > 0 ? [0, lo] : [lo, lo + 1];
}
