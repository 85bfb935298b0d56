/** One answer of the protocol, whichever transport carried it. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  json?: unknown;
  body?: ArrayBuffer | DataView | null;
}

export type Op = 'info' | 'tile' | 'stats';

/** How the viewer reaches its data: the server's HTTP endpoints or kernel messages. */
export interface Transport {
  request(op: Op, params: Record<string, string>, signal?: AbortSignal): Promise<Answer>;
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
