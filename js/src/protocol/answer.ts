import type { ILiveHandlers } from './liveEvents';

/** One answer of the protocol, whichever transport carried it. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  json?: unknown;
  body?: ArrayBuffer | DataView | null;
}

export type Op = 'info' | 'tile' | 'stats';

/** What a request may add to its parameters. */
export interface IRequestOptions {
  /**
   * The validator of the copy the viewer has: a tile that has not changed answers 304 with no
   * body. Over HTTP the browser's cache sends it by itself.
   */
  ifNoneMatch?: string;
}

/** How the viewer reaches its data: the server's HTTP endpoints or kernel messages. */
export interface Transport {
  request(op: Op, params: Record<string, string>, signal?: AbortSignal, options?: IRequestOptions): Promise<Answer>;
  /** Tells `handlers` of changes to the data while it is written; returns what stops it. */
  watch?(handlers: ILiveHandlers): () => void;
  /** The data at `path` relative to this data (a label image of an image). */
  forLayer?(path: string): Transport;
}

/** What a header lookup needs, case-insensitively as HTTP has it. */
export function header(answer: Answer, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(answer.headers)) {
    if (key.toLowerCase() === wanted) {
      return value;
    }
  }
  return undefined;
}
