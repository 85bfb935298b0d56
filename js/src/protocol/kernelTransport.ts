import type { Answer, IRequestOptions, Op, Transport } from './answer';
import type { ILiveHandlers } from './liveEvents';

/** The part of anywidget's model that carries custom messages. */
export interface IMessageModel {
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
  on(event: 'msg:custom', callback: (content: unknown, buffers: (ArrayBuffer | DataView)[]) => void): void;
  off(event: 'msg:custom', callback: (content: unknown, buffers: (ArrayBuffer | DataView)[]) => void): void;
}

interface IPending {
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface IResponse {
  type: 'zarrview-response';
  id: number;
  status: number;
  headers: Record<string, string>;
  json: unknown;
}

function isResponse(content: unknown): content is IResponse {
  return (
    typeof content === 'object' &&
    content !== null &&
    (content as { type?: unknown }).type === 'zarrview-response' &&
    typeof (content as { id?: unknown }).id === 'number'
  );
}

/** Requests the kernel may hold for one view at once; it refuses more than 8 (`MAX_PENDING`). */
export const MAX_OUTSTANDING = 4;

interface IQueued {
  id: number;
  content: Record<string, unknown>;
}

/**
 * The protocol over widget messages, for data that lives only in the kernel. Answers come back
 * in any order and are matched by id; a request can wait behind a running cell, hence the long
 * timeout.
 *
 * The kernel answers every request exactly once, a cancelled one with a small 499 and no body.
 * So this side counts what it has sent and not had answered, aborted or not, and keeps that to
 * `MAX_OUTSTANDING`; the rest wait here, where an abort costs no message at all. The kernel
 * then never holds more than a few answers for a view, however fast the view asks and cancels.
 */
export class KernelTransport implements Transport {
  private _nextId = 1;
  private _pending = new Map<number, IPending>();
  private _unanswered = new Set<number>();
  private _queue: IQueued[] = [];
  private readonly _onMessage: (content: unknown, buffers: (ArrayBuffer | DataView)[]) => void;

  constructor(
    private readonly _model: IMessageModel,
    private readonly _timeoutMs = 120_000,
    private readonly _maxOutstanding = MAX_OUTSTANDING
  ) {
    this._onMessage = (content, buffers) => this._receive(content, buffers);
    this._model.on('msg:custom', this._onMessage);
  }

  /** Requests sent and not answered yet, cancelled ones included. */
  get outstanding(): number {
    return this._unanswered.size;
  }

  /** The kernel's data at `path` relative to the widget's (a label image): the `layer` parameter. */
  forLayer(path: string): Transport {
    return {
      request: (op, params, signal, options) => this.request(op, { ...params, layer: path }, signal, options)
    };
  }

  request(op: Op, params: Record<string, string>, signal?: AbortSignal, options: IRequestOptions = {}): Promise<Answer> {
    const id = this._nextId++;
    if (options.ifNoneMatch) {
      params = { ...params, if_none_match: options.ifNoneMatch };
    }
    return new Promise<Answer>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new DOMException('aborted', 'AbortError'));
        return;
      }
      const timer = setTimeout(() => {
        this._forget(id);
        reject(new Error(`the kernel did not answer ${op} within ${this._timeoutMs / 1000} s`));
      }, this._timeoutMs);
      this._pending.set(id, { resolve, reject, timer });
      signal?.addEventListener('abort', () => {
        const pending = this._pending.get(id);
        if (!pending) {
          return;
        }
        clearTimeout(pending.timer);
        this._pending.delete(id);
        const queued = this._queue.findIndex(q => q.id === id);
        if (queued >= 0) {
          this._queue.splice(queued, 1); // never sent: nothing to tell the kernel
        } else {
          this._model.send({ type: 'zarrview-cancel', id });
        }
        reject(new DOMException('aborted', 'AbortError'));
      });
      this._queue.push({ id, content: { type: 'zarrview-request', id, op, params } });
      this._pump();
    });
  }

  /**
   * The kernel's change events: `view.refresh()` for data that lives in the kernel, and what
   * the kernel's watcher sees of a store read over these messages, which it watches from the
   * `zarrview-watch` message on until the one that turns it off.
   */
  watch(handlers: ILiveHandlers): () => void {
    const listener = (content: unknown) => {
      if (typeof content !== 'object' || content === null || (content as { type?: unknown }).type !== 'zarrview-event') {
        return;
      }
      const { event, data } = content as { event?: unknown; data?: Record<string, unknown> };
      if (event === 'change' && data) {
        handlers.change({
          version: String(data.version ?? ''),
          metadata: data.metadata === true,
          info: data.info,
          levels: Array.isArray(data.levels) ? (data.levels as { level: number; boxes: [number[], number[]][] }[]) : []
        });
      } else if (event === 'gone') {
        handlers.gone(String(data?.error ?? 'the data is gone'));
      }
    };
    this._model.on('msg:custom', listener);
    this._model.send({ type: 'zarrview-watch', on: true });
    // Kernel messages need no connection of their own: the view is live from the start.
    queueMicrotask(() => handlers.connected(''));
    return () => {
      this._model.off('msg:custom', listener);
      try {
        this._model.send({ type: 'zarrview-watch', on: false });
      } catch {
        // The widget is closed already, and its watcher with it.
      }
    };
  }

  private _pump(): void {
    while (this._unanswered.size < this._maxOutstanding) {
      const next = this._queue.shift();
      if (!next) {
        return;
      }
      this._unanswered.add(next.id);
      this._model.send(next.content);
    }
  }

  /** A request that timed out: its slot is freed, for a kernel that may never answer. */
  private _forget(id: number): void {
    this._pending.delete(id);
    this._unanswered.delete(id);
    this._queue = this._queue.filter(q => q.id !== id);
    this._pump();
  }

  private _receive(content: unknown, buffers: (ArrayBuffer | DataView)[]): void {
    if (!isResponse(content)) {
      return;
    }
    this._unanswered.delete(content.id);
    const pending = this._pending.get(content.id);
    if (pending) {
      clearTimeout(pending.timer);
      this._pending.delete(content.id);
      const answer: Answer = { status: content.status, headers: content.headers ?? {}, json: content.json };
      const buffer = buffers[0];
      if (buffer !== undefined) {
        answer.body = buffer;
      }
      pending.resolve(answer);
    }
    this._pump();
  }

  dispose(): void {
    this._model.off('msg:custom', this._onMessage);
    for (const pending of this._pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('the viewer was closed'));
    }
    this._pending.clear();
    this._queue = [];
    this._unanswered.clear();
  }
}
