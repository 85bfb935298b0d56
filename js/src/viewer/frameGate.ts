import type { Rect } from './renderer';

/** One tile to draw, where: whatever a layer draws (its identity is what the gate compares). */
export interface IDrawCall<T extends object = object> {
  tile: T;
  rect: Rect;
}

/**
 * How long the canvas keeps a complete picture while the tiles that replace it arrive one by
 * one, so the new plane appears at once rather than in pieces (each piece a full repaint).
 */
export const HOLD_MS = 150;

export type GateDecision = { kind: 'draw' } | { kind: 'same' } | { kind: 'hold'; ms: number };

/**
 * Decides whether a frame is worth drawing. Drawing the same picture again is not free: where
 * the page is composited in software (no GPU), every update of a WebGL canvas is read back, a
 * full-canvas copy that blocks the page for tens of milliseconds or more. So:
 *
 * - a frame whose tiles, places and colours are those on the canvas is not drawn ('same'): an
 *   event that marks tiles stale, or a slider move whose plane is not here yet, keeps the old
 *   picture without repainting it;
 * - while a complete picture is on the canvas and only tiles changed (the camera, colours and
 *   canvas did not), an incomplete frame waits up to HOLD_MS for the rest of its tiles ('hold').
 *   Panning, zooming and colour changes are drawn at once.
 */
export class FrameGate {
  private _ids = new WeakMap<object, number>();
  private _nextId = 1;
  private _shown = '';
  private _shownView = '';
  private _shownComplete = false;
  private _holdSince: number | null = null;

  /**
   * `view` names everything but the tiles that decides the picture (camera, canvas size,
   * colours); `draws` are the tiles in drawing order.
   */
  decide(view: string, draws: IDrawCall[], complete: boolean, now: number): GateDecision {
    const key = `${view}#${this._tilesKey(draws)}`;
    if (key === this._shown) {
      this._holdSince = complete ? null : this._holdSince;
      return { kind: 'same' };
    }
    if (!complete && this._shownComplete && view === this._shownView) {
      this._holdSince ??= now;
      const left = this._holdSince + HOLD_MS - now;
      if (left > 0) {
        return { kind: 'hold', ms: left };
      }
    }
    return { kind: 'draw' };
  }

  /** The frame `decide` said to draw is on the canvas. */
  drawn(view: string, draws: IDrawCall[], complete: boolean): void {
    this._shown = `${view}#${this._tilesKey(draws)}`;
    this._shownView = view;
    this._shownComplete = complete;
    this._holdSince = null;
  }

  /** The canvas was cleared or resized under us: the next frame is drawn whatever it holds. */
  forget(): void {
    this._shown = '';
    this._shownComplete = false;
    this._holdSince = null;
  }

  private _tilesKey(draws: IDrawCall[]): string {
    return draws
      .map(({ tile, rect }) => {
        let id = this._ids.get(tile);
        if (id === undefined) {
          id = this._nextId++;
          this._ids.set(tile, id);
        }
        return `${id}@${rect.x},${rect.y},${rect.width},${rect.height}`;
      })
      .join(';');
  }
}
