import type { LevelRef } from './levels';

export const TILE_SIZE = 512;

/** One tile: a block of drawn pixels of one level, on the (row, column) axes. */
export interface TileKey {
  ref: number;
  row: number;
  col: number;
}

/** The view: which level-0 point is at the centre, and how many screen px a level-0 px takes. */
export interface Viewport {
  center: [number, number];
  zoom: number;
  width: number;
  height: number;
}

/** The drawn-pixel range [start, stop) of a tile on one axis. */
export function tileRange(index: number, size: number, tileSize = TILE_SIZE): [number, number] {
  return [index * tileSize, Math.min(size, (index + 1) * tileSize)];
}

/** Tiles of `ref` that cover the viewport, nearest the centre first. */
export function tilesInView(ref: LevelRef, refIndex: number, view: Viewport, tileSize = TILE_SIZE): TileKey[] {
  const out: TileKey[] = [];
  const halfRows = view.height / 2 / view.zoom;
  const halfCols = view.width / 2 / view.zoom;
  const toDrawn = (value: number, axis: 0 | 1) => (value - ref.offset[axis]) / ref.factor[axis];
  const r0 = Math.max(0, Math.floor(toDrawn(view.center[0] - halfRows, 0) / tileSize));
  const r1 = Math.min(Math.ceil(ref.size[0] / tileSize) - 1, Math.floor(toDrawn(view.center[0] + halfRows, 0) / tileSize));
  const c0 = Math.max(0, Math.floor(toDrawn(view.center[1] - halfCols, 1) / tileSize));
  const c1 = Math.min(Math.ceil(ref.size[1] / tileSize) - 1, Math.floor(toDrawn(view.center[1] + halfCols, 1) / tileSize));
  for (let row = r0; row <= r1; row++) {
    for (let col = c0; col <= c1; col++) {
      out.push({ ref: refIndex, row, col });
    }
  }
  const mid = [toDrawn(view.center[0], 0) / tileSize - 0.5, toDrawn(view.center[1], 1) / tileSize - 0.5];
  const distance = (t: TileKey) => (t.row - (mid[0] ?? 0)) ** 2 + (t.col - (mid[1] ?? 0)) ** 2;
  return out.sort((a, b) => distance(a) - distance(b));
}

/**
 * The protocol selection for a tile: `indices` on the other axes (already at this level),
 * a range on the channel axis for a composite, and the tile's strided range on the displayed
 * axes. Example for (c, z, y, x): "0:3,17,0:512,512:1024".
 */
export function tileSelection(
  ndim: number,
  rowAxis: number,
  colAxis: number,
  ref: LevelRef,
  tile: TileKey,
  fixed: Record<number, number | [number, number]>,
  tileSize = TILE_SIZE
): string {
  const entries: string[] = [];
  for (let axis = 0; axis < ndim; axis++) {
    if (axis === rowAxis || axis === colAxis) {
      const [start, stop] = tileRange(axis === rowAxis ? tile.row : tile.col, ref.size[axis === rowAxis ? 0 : 1], tileSize);
      entries.push(ref.step === 1 ? `${start}:${stop}` : `${start * ref.step}:${(stop - 1) * ref.step + 1}:${ref.step}`);
    } else {
      const value = fixed[axis] ?? 0;
      entries.push(Array.isArray(value) ? `${value[0]}:${value[1]}` : String(value));
    }
  }
  return entries.join(',');
}
