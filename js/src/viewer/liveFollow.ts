import type { Transport } from '../protocol/answer';
import type { ILiveChange } from '../protocol/liveEvents';
import type { ViewModel } from './viewModel';
import type { IDatasetInfo } from './viewState';

export type LiveState = 'off' | 'connecting' | 'live' | 'paused' | 'gone';

/** What following the data needs of the viewer. */
export interface ILiveHost {
  readonly model: ViewModel;
  readonly transport: Transport;
  /** Carries `data-live` (and `data-live-message`), which tests and styles read. */
  readonly root: HTMLElement;
  readonly badge: HTMLButtonElement;
  info(): IDatasetInfo | null;
  /** The tiles of `level` over `boxes` changed: asked again, drawn until the new ones arrive. */
  invalidate(level: number, boxes: [number[], number[]][]): void;
  /** Anything may have changed (the stream was down, the store came back). */
  invalidateAll(): void;
  /** Pixels changed: draw again and measure the plane again. */
  pixelsChanged(): void;
  render(): void;
}

/**
 * How long a plane reached by following may stay undrawn before the view follows on anyway. A
 * view that cannot keep up then shows every frame it can and skips the rest, rather than
 * dropping each frame for the next one before it is drawn, which shows nothing while the writer
 * is faster than one draw.
 */
const FOLLOW_HOLD_MS = 1000;

const BADGE: Record<LiveState, [string, string]> = {
  off: ['', ''],
  connecting: ['○ live', "Connecting to the data's changes… (click to pause)"],
  live: ['● live', 'Following the data as it is written (click to pause)'],
  paused: ['❚❚ paused', 'Not following changes (click to follow)'],
  gone: ['⚠ gone', '']
};

/**
 * Follows the data while it is written: the event stream while `live` is on, the badge that
 * shows it and pauses it, and the sliders that follow a growing axis as `tail -f` does.
 */
export class LiveFollow {
  private _stop: (() => void) | null = null;
  private _state: LiveState = 'off';
  /** Axes whose slider follows the end but waits for the plane it is on to be drawn. */
  private _held = new Set<string>();
  /** Where each held slider goes next: the newest plane when its tiles were first asked for. */
  private _next = new Map<string, number>();
  /** When the planes in `_next` were first asked for. */
  private _nextSince: number | null = null;
  /** When following last moved a slider to a plane not drawn yet. */
  private _undrawnSince: number | null = null;

  constructor(private readonly _host: ILiveHost) {
    _host.badge.hidden = true;
    _host.badge.addEventListener('click', () => {
      _host.model.set('live', !_host.model.get('live'));
      _host.model.save_changes();
    });
  }

  get state(): LiveState {
    return this._state;
  }

  /** Opens or closes the event stream as the model's `live` and the transport allow. */
  update(): void {
    const { model, transport } = this._host;
    const info = this._host.info();
    const wanted = model.get('live') && !!info && !!transport.watch;
    if (wanted && !this._stop && transport.watch) {
      this._setState('connecting');
      this._stop = transport.watch({
        connected: version => {
          this._setState('live');
          const current = this._host.info();
          if (version && current && version !== current.version) {
            void this._catchUp(); // it may have changed while the stream was down
          }
        },
        change: change => this._onChange(change),
        gone: message => this._setState('gone', message),
        disconnected: () => this._setState('connecting'),
        unavailable: reason => this._setState('off', reason)
      });
    } else if (!wanted && this._stop) {
      this._stop();
      this._stop = null;
      this._held.clear();
      this._next.clear();
      this._setState(transport.watch && info ? 'paused' : 'off');
    }
  }

  /**
   * The indices after the data went from `old` to `info`, or null when none moves. A slider at
   * the last index of an axis that grew follows it; one elsewhere stays; an index past the end
   * of an axis that shrank is clamped. While the plane a slider followed to is not drawn yet, it
   * waits there (up to FOLLOW_HOLD_MS) and moves on once it is.
   */
  follow(old: IDatasetInfo, info: IDatasetInfo, indices: Record<string, number>): Record<string, number> | null {
    if (old.axes.length !== info.axes.length) {
      this._held.clear();
      this._next.clear();
      return null;
    }
    const next = { ...indices };
    let moved = false;
    const wait = this._undrawnSince !== null && performance.now() - this._undrawnSince < FOLLOW_HOLD_MS;
    info.axes.forEach((axis, i) => {
      const index = indices[axis.name];
      if (index === undefined) {
        return;
      }
      const before = old.levels[0]?.shape[i] ?? 1;
      const after = info.levels[0]?.shape[i] ?? 1;
      let target = index;
      if (index >= after) {
        target = Math.max(0, after - 1);
        this._held.delete(axis.name);
        this._next.delete(axis.name);
      } else if ((after > before && index === before - 1) || this._held.has(axis.name)) {
        if (wait) {
          this._held.add(axis.name);
        } else {
          this._held.delete(axis.name);
          this._next.delete(axis.name);
          target = after - 1;
        }
      }
      if (target !== index) {
        next[axis.name] = target;
        moved = true;
      }
    });
    if (moved && this._undrawnSince === null) {
      this._undrawnSince = performance.now();
    }
    return moved ? next : null;
  }

  /**
   * Where held sliders go once the plane on screen is drawn: the viewer fetches those tiles
   * meanwhile, so following costs the longer of a fetch and a draw per frame, not their sum.
   * The plane is the newest when it is first asked for, and stays that plane while newer ones
   * arrive: moving it on would abort its tiles half-read, and under load such a view ends up
   * fetching and dropping frames faster than it shows them.
   */
  heldTargets(): { axis: string; delta: number }[] {
    const info = this._host.info();
    if (!info || !this._held.size) {
      return [];
    }
    const indices = this._host.model.get('indices');
    const out: { axis: string; delta: number }[] = [];
    for (const axis of this._held) {
      const i = info.axes.findIndex(a => a.name === axis);
      if (i < 0) {
        continue;
      }
      const last = (info.levels[0]?.shape[i] ?? 1) - 1;
      const target = Math.min(last, this._next.get(axis) ?? last);
      if (!this._next.has(axis)) {
        this._next.set(axis, target);
        this._nextSince ??= performance.now();
      }
      const delta = target - (indices[axis] ?? target);
      if (delta > 0) {
        out.push({ axis, delta });
      }
    }
    return out;
  }

  /** Whether this axis's slider follows the data's end: live, and held or at the last index. */
  following(axis: string): boolean {
    const info = this._host.info();
    if (this._state !== 'live' || !info) {
      return false;
    }
    if (this._held.has(axis)) {
      return true;
    }
    const i = info.axes.findIndex(a => a.name === axis);
    const size = info.levels[0]?.shape[i] ?? 1;
    return i >= 0 && this._host.model.get('indices')[axis] === size - 1 && size > 1;
  }

  /** Someone moved this slider: it follows no more until it is at the end again. */
  released(axis: string): void {
    this._held.delete(axis);
    this._next.delete(axis);
  }

  /**
   * The viewer drew a frame. Once the plane followed to is complete and the plane fetched
   * meanwhile (`heldTargets`) is here too, held sliders move to it, so it draws at once; one
   * still short of the newest stays held, and the newest is fetched next. If the fetched plane
   * takes longer than FOLLOW_HOLD_MS, they move anyway.
   */
  drawn(complete: boolean, targetsReady: boolean): void {
    if (!complete) {
      return;
    }
    this._undrawnSince = null;
    const info = this._host.info();
    if (!this._held.size || !info || !this._next.size) {
      return;
    }
    const late = this._nextSince !== null && performance.now() - this._nextSince >= FOLLOW_HOLD_MS;
    if (!targetsReady && !late) {
      return;
    }
    const { model } = this._host;
    const indices = { ...model.get('indices') };
    for (const axis of [...this._held]) {
      const i = info.axes.findIndex(a => a.name === axis);
      const next = this._next.get(axis);
      if (i < 0 || next === undefined) {
        continue;
      }
      const last = Math.max(0, (info.levels[0]?.shape[i] ?? 1) - 1);
      indices[axis] = Math.min(last, next);
      if (indices[axis] >= last) {
        this._held.delete(axis);
      }
    }
    this._next.clear();
    this._nextSince = null;
    this._undrawnSince = performance.now();
    model.set('indices', indices);
    model.save_changes();
  }

  dispose(): void {
    this._stop?.();
    this._stop = null;
  }

  private _setState(state: LiveState, message = ''): void {
    const { root, badge } = this._host;
    this._state = state;
    root.dataset.live = state;
    if (message) {
      root.dataset.liveMessage = message;
    }
    badge.hidden = state === 'off';
    const [text, fixedTitle] = BADGE[state];
    const title = state === 'gone' ? `${message || 'The data is gone'}; the view comes back with it (click to pause)` : fixedTitle;
    if (badge.textContent !== text) {
      badge.textContent = text;
    }
    badge.title = title;
    badge.setAttribute('aria-label', title);
  }

  /** Asks `info` again and marks every tile stale: after a drop, changes may have been missed. */
  private async _catchUp(): Promise<void> {
    try {
      const answer = await this._host.transport.request('info', {});
      if (answer.status === 200) {
        this._host.invalidateAll();
        this._applyInfo(answer.json as IDatasetInfo);
      }
    } catch {
      // The next event or reconnection tries again.
    }
  }

  private _onChange(change: ILiveChange): void {
    const host = this._host;
    if (this._state === 'gone') {
      // Back under the same name, perhaps with other data: every tile is asked again (a tile
      // that did not change answers 304).
      this._setState('live');
      host.invalidateAll();
    }
    if (change.metadata && change.info) {
      this._applyInfo(change.info as IDatasetInfo);
    }
    for (const { level, boxes } of change.levels) {
      host.invalidate(level, boxes);
    }
    if (change.levels.length) {
      host.pixelsChanged();
    }
    host.render();
  }

  /** New metadata from the data's writer; the viewer moves the sliders (`follow`). */
  private _applyInfo(info: IDatasetInfo): void {
    const { model } = this._host;
    model.set('info', info);
    // The indices the viewer moved go in the same message, so the kernel checks them against
    // the new shape.
    model.save_changes();
  }
}
