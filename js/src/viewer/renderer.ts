/** A tile's values, ready to draw: one float plane per channel, rows of `width` values. */
export interface PlaneStack {
  width: number;
  height: number;
  channels: number;
  /** channels x height x width, channel-major. */
  data: Float32Array;
}

/** A tile coloured already (label ids in their colours): RGBA bytes, rows of `width`. */
export interface RgbaTile {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

/** How values become colours (see colormaps.ts for the math). */
export interface Mix {
  mode: 'single' | 'composite';
  lut: Uint8Array;
  gamma: number;
  /** In single mode, only the first entry is used. */
  channels: { layer: number; color: [number, number, number]; low: number; high: number }[];
  /** Changes whenever anything above changes; renderers key their caches on it. */
  signature: string;
}

/** Where a tile goes, in device pixels of the canvas. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const MAX_CHANNELS = 8;

/** Draws tiles; the WebGL2 one on the GPU, the Canvas 2D one where WebGL2 is missing. */
export interface Renderer {
  readonly kind: 'webgl2' | 'canvas2d';
  resize(width: number, height: number): void;
  clear(): void;
  draw(tile: PlaneStack, rect: Rect, mix: Mix): void;
  /** Draws a coloured tile over what is there, exactly (nearest), at `opacity` (0..1). */
  drawRgba(tile: RgbaTile, rect: Rect, opacity: number): void;
  /** Frees what the renderer keeps for a tile (its texture), when the tile leaves the cache. */
  release(tile: PlaneStack | RgbaTile): void;
  dispose(): void;
}
