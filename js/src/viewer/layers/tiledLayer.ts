import { header, type Answer, type Transport } from '../../protocol/answer';
import type { Camera } from '../camera';
import type { LevelRef } from '../levels';
import type { IDrawCall } from '../frameGate';
import { TileCache } from '../tileCache';
import { TILE_SIZE, tileSelection, tilesInView, type TileKey, type Viewport } from '../tileGrid';
import type { ITileJob } from '../tileScheduler';
import type { IDatasetInfo } from '../viewState';

/** What a layer makes of a tile's answer: what it draws, and what the cache counts. */
export interface ITileContent {
  bytes: number;
  /** Every value is the fill value: nothing written there yet, or nothing there. */
  empty: boolean;
}

interface ILoaded<T extends ITileContent> {
  content: T;
  bytes: number;
  /** The level it was read from, and the index box it covers there (half-open, every axis). */
  level: number;
  box: [number[], number[]];
  /** Its chunks changed since: drawn until the new pixels arrive, and asked for again. */
  stale: boolean;
  /** The answer's validator, for asking again with `If-None-Match`. */
  etag: string | null;
}

export type Fixed = Record<number, number | [number, number]>;

interface IDrawn<T> {
  key: string;
  ref: LevelRef;
  tile: TileKey;
  content: T;
}

/** What every layer is cut by: the data's description, the displayed axes and the slider indices. */
export interface IPlaneLayout {
  info: IDatasetInfo;
  /** What tiles are keyed on: the data's structure, not its shape or refresh count. */
  structure: string;
  refs: LevelRef[];
  row: number;
  col: number;
  /** Channels mixed in one picture: the channel axis is fetched whole. */
  composite: boolean;
  indices: Record<string, number>;
}

const CACHE_BYTES = 256 * 2 ** 20;

/** How long after a change to a finer level a coarser one is taken to lag behind it. */
const LAG_MS = 60_000;

/** Level `ref`'s pixels read every `step`-th: a finer level standing in for a coarser one. */
function strided(ref: LevelRef, step: number): LevelRef {
  return {
    level: ref.level,
    step: ref.step * step,
    factor: [ref.factor[0] * step, ref.factor[1] * step],
    size: [Math.ceil(ref.size[0] / step), Math.ceil(ref.size[1] / step)],
    offset: ref.offset
  };
}

/** The half-open index box a protocol selection covers ("3,0:512,10:20:2" -> starts, stops). */
export function selectionBox(sel: string): [number[], number[]] {
  const start: number[] = [];
  const stop: number[] = [];
  for (const part of sel.split(',')) {
    const [a = '0', b, c] = part.split(':');
    const first = Number(a);
    if (b === undefined) {
      start.push(first);
      stop.push(first + 1);
    } else {
      const step = c === undefined ? 1 : Number(c);
      const end = Number(b);
      start.push(first);
      // The last index read, plus one: a strided range reads no further.
      stop.push(end > first ? first + Math.floor((end - 1 - first) / step) * step + 1 : first);
    }
  }
  return [start, stop];
}

/** What tiles are keyed on: the data's axes, dtype and levels, but not their shapes. */
export function structureKey(info: IDatasetInfo): string {
  return JSON.stringify([info.dtype, info.axes.map(a => a.name), info.channel_axis, info.levels.map(l => [l.path, l.chunks, l.scale, l.translation])]);
}

/**
 * A layer of tiles of one 2-D plane through N-D data, fetched at the level the camera needs,
 * cached by the bytes they hold, and drawn coarse under fine so a picture is always there. What
 * a tile becomes (float planes of an image, coloured ids of labels) is the subclass's.
 */
export abstract class TiledLayer<T extends ITileContent> {
  private static _layers = 0;
  /** Tile keys are the scheduler's too: each layer's are its own. */
  private readonly _id = `L${TiledLayer._layers++}`;
  private readonly _cache: TileCache<ILoaded<T>>;
  private _onScreen = new Set<string>();
  /** When a change event last named each (real) level. */
  private _changedAt = new Map<number, number>();
  /** The last complete frame's tiles, drawn under a frame still loading. */
  private _backdrop: { geometry: string; tiles: IDrawn<T>[] } | null = null;

  constructor(
    private readonly _transport: Transport,
    release: (content: T) => void,
    cacheBytes = CACHE_BYTES
  ) {
    this._cache = new TileCache<ILoaded<T>>(cacheBytes, loaded => release(loaded.content));
  }

  /** What the layer draws of a tile's answer (a 200), cut by `sel` from the plane `layout` shows. */
  protected abstract decode(answer: Answer, layout: IPlaneLayout): T;

  /** The request's parameters beyond level and selection (which data, over kernel messages). */
  protected params(): Record<string, string> {
    return {};
  }

  /** The fixed entries of a selection at a level: slider indices and the channel range. */
  fixed(layout: IPlaneLayout, ref: LevelRef, indices: Record<string, number> = layout.indices): Fixed {
    const { info } = layout;
    const out: Fixed = {};
    const base = info.levels[0]?.shape ?? [];
    const here = info.levels[ref.level]?.shape ?? [];
    info.axes.forEach((axis, i) => {
      if (i === layout.row || i === layout.col) {
        return;
      }
      if (i === info.channel_axis && layout.composite) {
        out[i] = [0, here[i] ?? 1];
        return;
      }
      const index0 = indices[axis.name] ?? 0;
      // Pyramids may downsample z too: the plane at this level that holds level-0's plane.
      const size0 = base[i] ?? 1;
      const size = here[i] ?? 1;
      out[i] = Math.min(size - 1, Math.floor((index0 * size) / size0));
    });
    return out;
  }

  /** Tiles of the levels drawn at `target` (the coarsest too) that are not here yet, coarsest first. */
  missing(layout: IPlaneLayout, target: number, viewport: Viewport): ITileJob[] {
    const coarsest = layout.refs.length - 1;
    const jobs: ITileJob[] = [];
    this._onScreen = new Set();
    for (const refIndex of target === coarsest ? [target] : [coarsest, target]) {
      const ref = layout.refs[refIndex] as LevelRef;
      const fixed = this.fixed(layout, ref);
      for (const tile of tilesInView(ref, refIndex, viewport)) {
        const key = this._key(layout, ref, tile, fixed);
        this._onScreen.add(key);
        const loaded = this._cache.get(key);
        if (!loaded || loaded.stale) {
          jobs.push(this._job(layout, ref, tile, fixed, key));
        }
      }
    }
    const standIn = this._standIn(layout, target, viewport);
    if (standIn) {
      const fixed = this.fixed(layout, standIn);
      for (const tile of tilesInView(standIn, -1, viewport)) {
        const key = this._key(layout, standIn, tile, fixed);
        this._onScreen.add(key);
        const loaded = this._cache.get(key);
        if (!loaded || loaded.stale) {
          jobs.push(this._job(layout, standIn, tile, fixed, key));
        }
      }
    }
    return jobs;
  }

  /**
   * Pyramid levels lag the finest while a job writes: when the target level shows only its
   * fill value where a finer level changed lately, that finer level, read strided to the same
   * pixel size, stands in for it. None when nothing lags.
   */
  private _standIn(layout: IPlaneLayout, target: number, viewport: Viewport): LevelRef | null {
    const ref = layout.refs[target] as LevelRef;
    const now = performance.now();
    const finer = [...this._changedAt].filter(([level, at]) => level < ref.level && now - at < LAG_MS).map(([level]) => level);
    if (!finer.length) {
      return null;
    }
    const fixed = this.fixed(layout, ref);
    const lagging = tilesInView(ref, target, viewport).some(tile => {
      const loaded = this._cache.get(this._key(layout, ref, tile, fixed));
      return loaded !== undefined && loaded.content.empty;
    });
    if (!lagging) {
      return null;
    }
    const finest = layout.refs.find(r => r.level === Math.min(...finer) && r.step === 1);
    if (!finest) {
      return null;
    }
    const step = Math.max(1, Math.round(ref.factor[0] / finest.factor[0]));
    return strided(finest, step * ref.step);
  }

  /** The tiles of the planes `deltas` away on `axis`, at `target`, that are not here yet. */
  readAhead(layout: IPlaneLayout, target: number, viewport: Viewport, axis: string, deltas: number[]): ITileJob[] {
    const { info } = layout;
    const i = info.axes.findIndex(a => a.name === axis);
    const size = info.levels[0]?.shape[i] ?? 1;
    const current = layout.indices[axis] ?? 0;
    const ref = layout.refs[target] as LevelRef;
    const jobs: ITileJob[] = [];
    for (const delta of deltas) {
      const index = current + delta;
      if (i < 0 || index < 0 || index >= size) {
        continue;
      }
      const fixed = this.fixed(layout, ref, { ...layout.indices, [axis]: index });
      for (const tile of tilesInView(ref, target, viewport)) {
        const key = this._key(layout, ref, tile, fixed);
        if (!this._cache.has(key)) {
          jobs.push(this._job(layout, ref, tile, fixed, key));
        }
      }
    }
    return jobs;
  }

  /**
   * Marks the tiles of `level` that overlap any of `boxes` (half-open index boxes) stale: they
   * are drawn until their new pixels arrive, and asked for again when on screen.
   */
  invalidate(level: number, boxes: [number[], number[]][]): number {
    if (boxes.length) {
      this._changedAt.set(level, performance.now());
    }
    let count = 0;
    for (const loaded of this._cache.values()) {
      if (loaded.level !== level || loaded.stale) {
        continue;
      }
      const [lo, hi] = loaded.box;
      const overlaps = boxes.some(([start, stop]) => lo.every((l, i) => l < (stop[i] ?? Infinity) && (start[i] ?? 0) < (hi[i] ?? 0)));
      if (overlaps) {
        loaded.stale = true;
        count++;
      }
    }
    return count;
  }

  /** Marks every tile stale: what changed while the view was not told is unknown. */
  invalidateAll(): void {
    for (const loaded of this._cache.values()) {
      loaded.stale = true;
    }
  }

  /**
   * What to draw, coarse under fine, and whether every tile of the target level is here and
   * fresh. Until a frame is complete, the last complete frame stays under it: moving a slider,
   * or following a growing axis, never flashes an empty stage or the coarse level's blur.
   */
  frame(layout: IPlaneLayout, target: number, camera: Camera, dpr: number): { complete: boolean; draws: IDrawCall<T>[] } {
    const viewport = camera.viewport();
    const frame: IDrawn<T>[] = [];
    let complete = true;
    for (let refIndex = layout.refs.length - 1; refIndex >= target; refIndex--) {
      const ref = layout.refs[refIndex] as LevelRef;
      const fixed = this.fixed(layout, ref);
      for (const tile of tilesInView(ref, refIndex, viewport)) {
        const key = this._key(layout, ref, tile, fixed);
        const loaded = this._cache.get(key);
        if (!loaded || loaded.stale) {
          complete = complete && refIndex !== target;
        }
        if (loaded) {
          frame.push({ key, ref, tile, content: loaded.content });
        }
      }
    }
    const draws: IDrawCall<T>[] = [];
    const geometry = `${layout.structure}|${layout.row},${layout.col}|${layout.composite}`;
    if (!complete && this._backdrop?.geometry === geometry) {
      for (const { key, ref, tile, content } of this._backdrop.tiles) {
        // Only what the cache still holds: an evicted tile's texture is freed already.
        if (this._cache.has(key)) {
          draws.push({ tile: content, rect: camera.tileRect(ref, tile, dpr) });
        }
      }
    }
    for (const { ref, tile, content } of frame) {
      draws.push({ tile: content, rect: camera.tileRect(ref, tile, dpr) });
    }
    const standIn = this._standIn(layout, target, viewport);
    if (standIn) {
      const fixed = this.fixed(layout, standIn);
      for (const tile of tilesInView(standIn, -1, viewport)) {
        const loaded = this._cache.get(this._key(layout, standIn, tile, fixed));
        if (loaded && !loaded.content.empty) {
          draws.push({ tile: loaded.content, rect: camera.tileRect(standIn, tile, dpr) });
        }
      }
    }
    if (complete) {
      this._backdrop = { geometry, tiles: frame };
    }
    return { complete, draws };
  }

  /**
   * The finest tile here at level-0 point (r, c), and the pixel's place in it (its offset in
   * rows of `TILE_SIZE`-cut tiles: row * tile width + col); null where no tile is.
   */
  protected contentAt(layout: IPlaneLayout, r: number, c: number): { content: T; row: number; col: number } | null {
    for (let refIndex = 0; refIndex < layout.refs.length; refIndex++) {
      const ref = layout.refs[refIndex] as LevelRef;
      const dr = Math.floor((r - ref.offset[0]) / ref.factor[0]);
      const dc = Math.floor((c - ref.offset[1]) / ref.factor[1]);
      if (dr < 0 || dc < 0 || dr >= ref.size[0] || dc >= ref.size[1]) {
        continue;
      }
      const tile = { ref: refIndex, row: Math.floor(dr / TILE_SIZE), col: Math.floor(dc / TILE_SIZE) };
      const loaded = this._cache.get(this._key(layout, ref, tile, this.fixed(layout, ref)));
      if (loaded) {
        return { content: loaded.content, row: dr - tile.row * TILE_SIZE, col: dc - tile.col * TILE_SIZE };
      }
    }
    return null;
  }

  clear(): void {
    this._cache.clear();
    this._onScreen.clear();
    this._backdrop = null;
  }

  private _key(layout: IPlaneLayout, ref: LevelRef, tile: TileKey, fixed: Fixed): string {
    // The level's size is in the key: a tile at the edge of a growing plane covers more later.
    return `${this._id}|${layout.structure}|${ref.level}/${ref.step}:${ref.size.join('x')}|${layout.row},${layout.col}|${JSON.stringify(fixed)}|${tile.row},${tile.col}`;
  }

  private _job(layout: IPlaneLayout, ref: LevelRef, tile: TileKey, fixed: Fixed, key: string): ITileJob {
    return { key, run: signal => this._fetch(layout, ref, tile, fixed, key, signal) };
  }

  private async _fetch(layout: IPlaneLayout, ref: LevelRef, tile: TileKey, fixed: Fixed, key: string, signal: AbortSignal): Promise<void> {
    const sel = tileSelection(layout.info.axes.length, layout.row, layout.col, ref, tile, fixed);
    const had = this._cache.get(key);
    const params = { ...this.params(), level: String(ref.level), sel };
    const answer = await this._transport.request('tile', params, signal, had?.etag ? { ifNoneMatch: had.etag } : {});
    if (answer.status === 304 && had) {
      had.stale = false; // its chunks changed, its pixels did not
      return;
    }
    const content = this.decode(answer, layout);
    const loaded = { content, bytes: content.bytes, level: ref.level, box: selectionBox(sel), stale: false, etag: header(answer, 'ETag') ?? null };
    this._cache.set(key, loaded, this._onScreen);
  }
}
