import { lutIndex, normalize } from './colormaps';
import type { Mix, PlaneStack } from './renderer';

/** RGBA bytes of a tile under a mix: the Canvas 2D path, and the reference for the shader. */
export function colorize(tile: PlaneStack, mix: Mix): Uint8ClampedArray {
  const count = tile.width * tile.height;
  const out = new Uint8ClampedArray(count * 4);
  if (mix.mode === 'single') {
    const channel = mix.channels[0];
    const base = (channel?.layer ?? 0) * count;
    const low = channel?.low ?? 0;
    const high = channel?.high ?? 1;
    for (let i = 0; i < count; i++) {
      const t = normalize(tile.data[base + i] as number, low, high, mix.gamma);
      const o = i * 4;
      if (Number.isNaN(t)) {
        out[o + 3] = 255;
        continue;
      }
      const k = lutIndex(t) * 3;
      out[o] = mix.lut[k] as number;
      out[o + 1] = mix.lut[k + 1] as number;
      out[o + 2] = mix.lut[k + 2] as number;
      out[o + 3] = 255;
    }
    return out;
  }
  const acc = new Float32Array(count * 3);
  for (const channel of mix.channels) {
    const base = channel.layer * count;
    const [r, g, b] = channel.color;
    for (let i = 0; i < count; i++) {
      const t = normalize(tile.data[base + i] as number, channel.low, channel.high, mix.gamma);
      if (!Number.isNaN(t)) {
        acc[i * 3] = (acc[i * 3] as number) + t * r;
        acc[i * 3 + 1] = (acc[i * 3 + 1] as number) + t * g;
        acc[i * 3 + 2] = (acc[i * 3 + 2] as number) + t * b;
      }
    }
  }
  for (let i = 0; i < count; i++) {
    out[i * 4] = Math.round(Math.min(1, acc[i * 3] as number) * 255);
    out[i * 4 + 1] = Math.round(Math.min(1, acc[i * 3 + 1] as number) * 255);
    out[i * 4 + 2] = Math.round(Math.min(1, acc[i * 3 + 2] as number) * 255);
    out[i * 4 + 3] = 255;
  }
  return out;
}
