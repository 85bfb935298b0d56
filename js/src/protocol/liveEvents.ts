/** A change the server saw in the data (docs/protocol.md, "Events"). */
export interface ILiveChange {
  version: string;
  metadata: boolean;
  /** The new `info` answer, when `metadata` is true. */
  info?: unknown;
  /** Per level, half-open index boxes whose chunk files changed. */
  levels: { level: number; boxes: [number[], number[]][] }[];
}

export interface ILiveHandlers {
  /** The stream is open (again): what may have changed while it was not is unknown. */
  connected(version: string): void;
  change(change: ILiveChange): void;
  /** The store is gone; a `change` with metadata follows if it comes back. */
  gone(message: string): void;
  /** The stream dropped; it is tried again, later each time. */
  disconnected(): void;
  /** The server will not tell of changes here (switched off, too many streams, no such endpoint). */
  unavailable(reason: string): void;
}

/** One server-sent event, as the stream's lines give it. */
export interface IServerEvent {
  event: string;
  data: string;
}

/**
 * Splits a server-sent-events stream into events. Fed text as it arrives, in any pieces; keeps
 * what is not a whole event yet. Comment lines (`: keep-alive`) are dropped.
 */
export class EventParser {
  private _buffer = '';

  feed(text: string): IServerEvent[] {
    this._buffer += text.replace(/\r\n?/g, '\n');
    const out: IServerEvent[] = [];
    let end: number;
    while ((end = this._buffer.indexOf('\n\n')) >= 0) {
      const block = this._buffer.slice(0, end);
      this._buffer = this._buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || line === '') {
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') {
          event = value;
        } else if (field === 'data') {
          data.push(value);
        }
      }
      if (data.length) {
        out.push({ event, data: data.join('\n') });
      }
    }
    return out;
  }
}

export interface ILiveStreamOptions {
  url: string;
  headers: Record<string, string>;
  handlers: ILiveHandlers;
  /** First reconnection delay in ms; it doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

/**
 * The view's event stream, read with `fetch` so it carries the same credentials as every other
 * request (an `EventSource` cannot send the token header). One long request while the view is
 * open; nothing else travels while the data does not change. Reconnects after a drop, later
 * each time; a refusal (4xx) is not retried.
 */
export class LiveStream {
  private _controller: AbortController | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _delay: number;
  private _closed = false;

  constructor(private readonly _options: ILiveStreamOptions) {
    this._delay = _options.retryMs ?? 1000;
    void this._connect();
  }

  close(): void {
    this._closed = true;
    this._controller?.abort();
    if (this._timer) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private async _connect(): Promise<void> {
    if (this._closed) {
      return;
    }
    const controller = new AbortController();
    this._controller = controller;
    const { handlers } = this._options;
    let refused = false;
    try {
      const response = await fetch(this._options.url, { headers: this._options.headers, credentials: 'same-origin', signal: controller.signal });
      if (!response.ok || !response.body) {
        // 4xx: no live view of this data (switched off, too many streams, not allowed).
        refused = response.status >= 400 && response.status < 500;
        if (refused) {
          let reason = `the server does not follow changes here (${response.status})`;
          try {
            const body = (await response.json()) as { error?: unknown };
            reason = typeof body.error === 'string' ? body.error : reason;
          } catch {
            // Not JSON: keep the status.
          }
          handlers.unavailable(reason);
        }
        return;
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new EventParser();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          break;
        }
        for (const event of parser.feed(value)) {
          this._dispatch(event);
        }
      }
    } catch {
      // Aborted, or the connection dropped: reconnect below unless closed.
    } finally {
      if (!this._closed && !refused) {
        handlers.disconnected();
        this._timer = setTimeout(() => {
          this._timer = null;
          void this._connect();
        }, this._delay);
        this._delay = Math.min(this._options.maxRetryMs ?? 30_000, this._delay * 2);
      }
    }
  }

  private _dispatch(event: IServerEvent): void {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.data) as Record<string, unknown>;
    } catch {
      return;
    }
    const { handlers } = this._options;
    if (event.event === 'hello') {
      this._delay = this._options.retryMs ?? 1000;
      handlers.connected(String(data.version ?? ''));
    } else if (event.event === 'change') {
      handlers.change({
        version: String(data.version ?? ''),
        metadata: data.metadata === true,
        info: data.info,
        levels: Array.isArray(data.levels) ? (data.levels as ILiveChange['levels']) : []
      });
    } else if (event.event === 'gone') {
      handlers.gone(String(data.error ?? 'the data is gone'));
    }
  }
}
