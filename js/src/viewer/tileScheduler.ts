/** One tile to fetch: `run` fetches it and stores it where the layer keeps its tiles. */
export interface ITileJob {
  key: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface ITileSchedulerOptions {
  /** Requests in flight at once, over every layer. */
  maxInFlight: number;
  /** Called when a retry falls due or a request ends: the viewer draws a frame, which plans again. */
  wake: () => void;
  /** A request failed for good (not aborted, not retryable). */
  onError: (error: unknown) => void;
  now?: () => number;
  /** First retry delay in ms; it doubles with each attempt. */
  retryMs?: number;
  /** Attempts after which a failing tile is left alone until it is planned anew (a new version). */
  maxAttempts?: number;
}

interface IInFlight {
  controller: AbortController;
  readAhead: boolean;
}

interface IRetry {
  at: number;
  attempts: number;
}

/** Keys of read-ahead tiles already asked for; a version change makes new keys. */
const MAX_REMEMBERED = 8192;

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

/**
 * Which tiles are fetched, in what order, and which are dropped. Each frame the viewer says what
 * is on screen and missing (`visible`, most wanted first) and, once the screen is complete, what
 * to read ahead. The rules that keep an idle view idle:
 *
 * - on-screen tiles come first; a read-ahead starts only when no on-screen tile waits, and gives
 *   its slot up when one needs it;
 * - a request for a tile nobody wants any more (the view moved, a jump) is aborted;
 * - a read-ahead tile is asked for at most once (its key names the data version), so a
 *   read-ahead that is dropped is not started again by the next frame;
 * - a tile that is not ready (a chunk being written) is retried later, each time later, a few
 *   times; a failure for good is reported once.
 */
export class TileScheduler {
  private _inFlight = new Map<string, IInFlight>();
  private _askedAhead = new Set<string>();
  private _retries = new Map<string, IRetry>();
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _timerAt = Infinity;
  private _started = 0;
  private readonly _now: () => number;

  constructor(private readonly _options: ITileSchedulerOptions) {
    this._now = _options.now ?? (() => performance.now());
  }

  /** Requests started since this scheduler was made (for tests and benchmarks). */
  get started(): number {
    return this._started;
  }

  get inFlight(): number {
    return this._inFlight.size;
  }

  isInFlight(key: string): boolean {
    return this._inFlight.has(key);
  }

  /** True while a tile waits to be retried (it is not ready yet), so a frame is not complete. */
  isWaiting(key: string): boolean {
    return this._retries.has(key);
  }

  /** Plans one frame: aborts what is no longer wanted, then starts what fits in the budget. */
  update(visible: ITileJob[], readAhead: ITileJob[] = []): void {
    const onScreen = new Set(visible.map(job => job.key));
    const ahead = new Set(readAhead.map(job => job.key));
    for (const [key, flight] of this._inFlight) {
      if (onScreen.has(key)) {
        flight.readAhead = false; // what was read ahead is now shown: let it finish
      } else if (!ahead.has(key) || !flight.readAhead) {
        this._abort(key, flight);
      }
    }
    const now = this._now();
    let waiting = false;
    for (const job of visible) {
      if (this._inFlight.has(job.key)) {
        continue;
      }
      const retry = this._retries.get(job.key);
      if (retry && (retry.at > now || retry.attempts >= this._maxAttempts)) {
        continue;
      }
      if (this._inFlight.size >= this._options.maxInFlight && !this._yieldReadAhead()) {
        waiting = true;
        break;
      }
      this._start(job, false);
    }
    if (waiting) {
      return;
    }
    for (const job of readAhead) {
      if (this._inFlight.size >= this._options.maxInFlight) {
        break;
      }
      if (this._askedAhead.has(job.key) || this._inFlight.has(job.key) || onScreen.has(job.key)) {
        continue;
      }
      if (this._askedAhead.size >= MAX_REMEMBERED) {
        this._askedAhead.clear();
      }
      this._askedAhead.add(job.key);
      this._start(job, true);
    }
  }

  /**
   * Forgets the waits of tiles that were not ready: the data changed, so each may be ready now
   * (a chunk written when its tile was asked). Bounded by how often the data tells of changes.
   */
  retryNow(): void {
    this._retries.clear();
    if (this._timer) {
      clearTimeout(this._timer);
      this._timer = null;
      this._timerAt = Infinity;
    }
  }

  /** Aborts everything and forgets what was asked (the data changed, or the view is closing). */
  clear(): void {
    for (const [key, flight] of this._inFlight) {
      this._abort(key, flight);
    }
    this._askedAhead.clear();
    this._retries.clear();
    if (this._timer) {
      clearTimeout(this._timer);
      this._timer = null;
      this._timerAt = Infinity;
    }
  }

  private get _maxAttempts(): number {
    return this._options.maxAttempts ?? 6;
  }

  private _yieldReadAhead(): boolean {
    for (const [key, flight] of this._inFlight) {
      if (flight.readAhead) {
        this._abort(key, flight);
        return true;
      }
    }
    return false;
  }

  private _abort(key: string, flight: IInFlight): void {
    flight.controller.abort();
    this._inFlight.delete(key);
  }

  private _start(job: ITileJob, readAhead: boolean): void {
    const controller = new AbortController();
    const flight: IInFlight = { controller, readAhead };
    this._inFlight.set(job.key, flight);
    this._started++;
    job.run(controller.signal).then(
      () => {
        this._retries.delete(job.key);
        this._finish(job.key, flight);
      },
      error => {
        if (!isAbort(error)) {
          if (isRetryable(error)) {
            this._scheduleRetry(job.key);
          } else {
            this._options.onError(error);
          }
        }
        this._finish(job.key, flight);
      }
    );
  }

  private _finish(key: string, flight: IInFlight): void {
    if (this._inFlight.get(key) !== flight) {
      return; // aborted: whoever aborted it has planned already
    }
    this._inFlight.delete(key);
    this._options.wake();
  }

  private _scheduleRetry(key: string): void {
    const attempts = (this._retries.get(key)?.attempts ?? 0) + 1;
    const delay = (this._options.retryMs ?? 1000) * 2 ** (attempts - 1);
    if (this._retries.size >= MAX_REMEMBERED) {
      this._retries.clear();
    }
    this._retries.set(key, { at: this._now() + delay, attempts });
    this._armTimer();
  }

  /** One timer, for the earliest retry still to come. */
  private _armTimer(): void {
    const now = this._now();
    let next = Infinity;
    for (const retry of this._retries.values()) {
      if (retry.attempts < this._maxAttempts && retry.at > now) {
        next = Math.min(next, retry.at);
      }
    }
    if (next >= this._timerAt) {
      return;
    }
    if (this._timer) {
      clearTimeout(this._timer);
    }
    this._timerAt = next;
    this._timer = setTimeout(() => {
      this._timer = null;
      this._timerAt = Infinity;
      this._options.wake();
      this._armTimer();
    }, next - now);
  }
}
