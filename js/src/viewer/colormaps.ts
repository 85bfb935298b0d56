import table from './colormaps.json';

/**
 * The colour math, the same on the GPU and the CPU, and in the tests that read pixels back:
 *   t = clamp((value - low) / (high - low), 0, 1) ** gamma
 *   single channel: colour = LUT[round(t * 255)]
 *   composite:      colour = clamp(sum over visible channels of t_c * channelColour_c, 0, 1)
 * LUTs are 256 RGB entries, stored as 1536 hex digits per colormap in colormaps.json.
 */
export const COLORMAP_NAMES: readonly string[] = Object.keys(table);

const cache = new Map<string, Uint8Array>();

/** 256 x RGB bytes of a colormap (gray for an unknown name). */
export function lut(name: string): Uint8Array {
  let out = cache.get(name);
  if (!out) {
    const hex = (table as Record<string, string>)[name] ?? (table as Record<string, string>).gray ?? '';
    out = new Uint8Array(256 * 3);
    for (let i = 0; i < 256 * 3; i++) {
      out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    }
    cache.set(name, out);
  }
  return out;
}

/** Where a value falls between the contrast limits, after gamma: 0..1. NaN stays NaN. */
export function normalize(value: number, low: number, high: number, gamma: number): number {
  if (Number.isNaN(value)) {
    return NaN;
  }
  const span = high - low;
  const t = span > 0 ? (value - low) / span : value >= high ? 1 : 0;
  const clamped = Math.min(1, Math.max(0, t));
  return gamma === 1 ? clamped : clamped ** gamma;
}

export function lutIndex(t: number): number {
  return Math.round(t * 255);
}

/** 'RRGGBB' to [r, g, b] in 0..1. */
export function hexColor(color: string): [number, number, number] {
  const value = parseInt(color.replace('#', '').slice(0, 6).padEnd(6, 'F'), 16);
  return [((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255];
}
