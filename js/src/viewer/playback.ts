/** What playing along an axis needs of the viewer. */
export interface IPlaybackHost {
  /** The plane on screen is drawn: playback never skips what it cannot show. */
  idle(): boolean;
  size(axis: string): number;
  index(axis: string): number;
  setIndex(axis: string, index: number): void;
  /** Playback started or stopped. */
  changed(axis: string | null): void;
}

const FRAME_MS = 100;

/** Steps one slider through its axis, wrapping at the end, one plane per drawn frame. */
export class Playback {
  private _timer: ReturnType<typeof setInterval> | null = null;
  private _axis: string | null = null;

  constructor(private readonly _host: IPlaybackHost) {}

  /** The axis being played, or null. */
  get axis(): string | null {
    return this._axis;
  }

  /** Plays `axis`; stops if it is the one playing, and moves playback to it if another is. */
  toggle(axis: string): void {
    const was = this._axis;
    this.stop();
    if (was === axis) {
      return;
    }
    this._axis = axis;
    this._timer = setInterval(() => {
      if (this._host.idle()) {
        this._host.setIndex(axis, (this._host.index(axis) + 1) % Math.max(1, this._host.size(axis)));
      }
    }, FRAME_MS);
    this._host.changed(axis);
  }

  stop(): void {
    if (this._timer) {
      clearInterval(this._timer);
      this._timer = null;
    }
    if (this._axis !== null) {
      this._axis = null;
      this._host.changed(null);
    }
  }
}
