import type { LevelRef } from './levels';
import type { Rect } from './renderer';
import { TILE_SIZE, tileRange, type TileKey, type Viewport } from './tileGrid';

/**
 * Where the view looks: the level-0 point at the middle of the stage and how many CSS pixels a
 * level-0 pixel takes. Every layer is drawn through it.
 */
export class Camera {
  center: [number, number] = [0, 0];
  zoom = 1;
  /** Set once the camera has been placed (fitted, or given a zoom and centre). */
  placed = false;

  /** `size` gives the stage's CSS size, width then height. */
  constructor(private readonly _size: () => [number, number]) {}

  get size(): [number, number] {
    return this._size();
  }

  viewport(): Viewport {
    const [width, height] = this._size();
    return { center: this.center, zoom: this.zoom, width, height };
  }

  /** Shows the whole of a (rows, cols) plane. */
  fit([rows, cols]: [number, number]): void {
    const [w, h] = this._size();
    this.zoom = Math.min(w / cols, h / rows);
    this.center = [rows / 2, cols / 2];
    this.placed = true;
  }

  place(zoom: number, center: [number, number]): void {
    this.zoom = zoom;
    this.center = [center[0], center[1]];
    this.placed = true;
  }

  /** Zooms by `factor`, keeping the data point under `at` (screen row, col) where it is. */
  zoomBy(factor: number, at?: [number, number]): void {
    const [w, h] = this._size();
    const anchor = at ?? [h / 2, w / 2];
    const before = this.toData(anchor);
    this.zoom = Math.min(256, Math.max(1e-4, this.zoom * factor));
    const after = this.toData(anchor);
    this.center = [this.center[0] + before[0] - after[0], this.center[1] + before[1] - after[1]];
  }

  /** Screen (row, col) in CSS pixels to level-0 data coordinates. */
  toData([y, x]: [number, number]): [number, number] {
    const [w, h] = this._size();
    return [this.center[0] + (y - h / 2) / this.zoom, this.center[1] + (x - w / 2) / this.zoom];
  }

  /** Level-0 data coordinates to screen (row, col) in CSS pixels. */
  toScreen([r, c]: [number, number]): [number, number] {
    const [w, h] = this._size();
    return [(r - this.center[0]) * this.zoom + h / 2, (c - this.center[1]) * this.zoom + w / 2];
  }

  /** Where a tile lands on the canvas, in device pixels, snapped so tiles meet exactly. */
  tileRect(ref: LevelRef, tile: TileKey, dpr: number): Rect {
    const [w, h] = this._size();
    const [r0, r1] = tileRange(tile.row, ref.size[0], TILE_SIZE);
    const [c0, c1] = tileRange(tile.col, ref.size[1], TILE_SIZE);
    const y0 = (ref.offset[0] + r0 * ref.factor[0] - this.center[0]) * this.zoom + h / 2;
    const y1 = (ref.offset[0] + r1 * ref.factor[0] - this.center[0]) * this.zoom + h / 2;
    const x0 = (ref.offset[1] + c0 * ref.factor[1] - this.center[1]) * this.zoom + w / 2;
    const x1 = (ref.offset[1] + c1 * ref.factor[1] - this.center[1]) * this.zoom + w / 2;
    const X0 = Math.round(x0 * dpr);
    const Y0 = Math.round(y0 * dpr);
    return { x: X0, y: Y0, width: Math.round(x1 * dpr) - X0, height: Math.round(y1 * dpr) - Y0 };
  }
}
