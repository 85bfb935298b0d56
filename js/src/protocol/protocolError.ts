import type { Answer } from './answer';

/** An error answer: the status and the server's message, naming the bad parameter if any. */
export class ProtocolError extends Error {
  readonly status: number;
  readonly parameter: string | null;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    const message = typeof body.error === 'string' ? body.error : `request failed (${status})`;
    super(message);
    this.name = 'ProtocolError';
    this.status = status;
    this.parameter = typeof body.parameter === 'string' ? body.parameter : null;
    this.body = body;
  }

  /** A chunk still being written: worth asking again later. */
  get retryable(): boolean {
    return this.status === 503;
  }

  static fromAnswer(answer: Answer): ProtocolError {
    const body =
      answer.json && typeof answer.json === 'object' ? (answer.json as Record<string, unknown>) : {};
    return new ProtocolError(answer.status, body);
  }
}
