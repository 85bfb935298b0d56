/** One `image-label` colour: the id (a number, or a decimal string past 2^53) and its RGBA. */
export interface ILabelColor {
  'label-value': number | string;
  rgba: [number, number, number, number];
}

/** RGBA packed as the bytes r, g, b, a of a little-endian Uint32 (what an RGBA8 texture holds). */
export function packRgba(r: number, g: number, b: number, a: number): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** 32-bit avalanche of murmur3's finalizer: neighbouring ids get unrelated hashes. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q]
  ][i % 6] as [number, number, number];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** The hash of an id, from its exact key: the same id gets the same colour in every view. */
function idHash(id: number | string): number {
  if (typeof id === 'number' && Number.isSafeInteger(id)) {
    const lo = id >>> 0;
    const hi = Math.floor(id / 0x100000000) >>> 0;
    return mix32(lo ^ mix32(hi + 0x9e3779b9));
  }
  const big = BigInt.asUintN(64, BigInt(id));
  return mix32(Number(big & 0xffffffffn) ^ mix32(Number(big >> 32n) + 0x9e3779b9));
}

/**
 * The colour of every label id: the `image-label` colours where given, else a bright colour
 * picked by a hash of the id (distinct for neighbours, the same in every view and session),
 * and id 0, the background, transparent.
 */
export class LabelPalette {
  private readonly _given = new Map<string, number>();
  private readonly _cache = new Map<number | string, number>();

  constructor(colors: ILabelColor[] = []) {
    for (const { 'label-value': value, rgba } of colors) {
      this._given.set(String(value), packRgba(...rgba));
    }
  }

  /** The packed RGBA of `id`. */
  color(id: number | string): number {
    let packed = this._cache.get(id);
    if (packed === undefined) {
      packed = this._compute(id);
      if (this._cache.size > 65536) {
        this._cache.clear(); // bounded: a label image may hold millions of ids
      }
      this._cache.set(id, packed);
    }
    return packed;
  }

  private _compute(id: number | string): number {
    const given = this._given.get(String(id));
    if (given !== undefined) {
      return given;
    }
    if (id === 0 || id === '0') {
      return 0;
    }
    const h = idHash(id);
    // Hue spread by the golden ratio, full saturation band and bright values: no near-greys,
    // nothing too dark to see over an image.
    const hue = ((h & 0xffff) / 0x10000 + 0.618033988749895 * ((h >>> 16) & 0xff)) % 1;
    const [r, g, b] = hsvToRgb(hue, 0.55 + 0.45 * (((h >>> 24) & 0xf) / 15), 0.8 + 0.2 * ((h >>> 28) / 15));
    return packRgba(r, g, b, 255);
  }
}
