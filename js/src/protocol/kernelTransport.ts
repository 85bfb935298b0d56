import type { Answer, Op, Transport } from './answer';

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

/**
 * The protocol over widget messages, for data that lives only in the kernel. Answers come back
 * in any order and are matched by id; a request can wait behind a running cell, hence the long
 * timeout.
 */
export class KernelTransport implements Transport {
  private _nextId = 1;
  private _pending = new Map<number, IPending>();
  private readonly _onMessage: (content: unknown, buffers: (ArrayBuffer | DataView)[]) => void;

  constructor(
    private readonly _model: IMessageModel,
    private readonly _timeoutMs = 120_000
  ) {
    this._onMessage = (content, buffers) => this._receive(content, buffers);
    this._model.on('msg:custom', this._onMessage);
  }

  request(op: Op, params: Record<string, string>, signal?: AbortSignal): Promise<Answer> {
    const id = this._nextId++;
    return new Promise<Answer>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new DOMException('aborted', 'AbortError'));
        return;
      }
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new Error(`the kernel did not answer ${op} within ${this._timeoutMs / 1000} s`));
      }, this._timeoutMs);
      this._pending.set(id, { resolve, reject, timer });
      signal?.addEventListener('abort', () => {
        const pending = this._pending.get(id);
        if (pending) {
          clearTimeout(pending.timer);
          this._pending.delete(id);
          this._model.send({ type: 'zarrview-cancel', id });
          reject(new DOMException('aborted', 'AbortError'));
        }
      });
      this._model.send({ type: 'zarrview-request', id, op, params });
    });
  }

  private _receive(content: unknown, buffers: (ArrayBuffer | DataView)[]): void {
    if (!isResponse(content)) {
      return;
    }
    const pending = this._pending.get(content.id);
    if (!pending) {
      return;
    }
    clearTimeout(pending.timer);
    this._pending.delete(content.id);
    const answer: Answer = { status: content.status, headers: content.headers ?? {}, json: content.json };
    const buffer = buffers[0];
    if (buffer !== undefined) {
      answer.body = buffer;
    }
    pending.resolve(answer);
  }

  dispose(): void {
    this._model.off('msg:custom', this._onMessage);
    for (const pending of this._pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('the viewer was closed'));
    }
    this._pending.clear();
  }
}
