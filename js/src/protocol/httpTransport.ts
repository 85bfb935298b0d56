import type { Answer, Op, Transport } from './answer';
import { LiveStream, type ILiveHandlers } from './liveEvents';

export interface IHttpTransportOptions {
  /** The Jupyter server's base URL, ending in '/' (e.g. '/user/alice/'). */
  baseUrl: string;
  /** The page's token, sent as `Authorization: token …` when known. */
  token?: string;
  /** The store: a path under the server's root (or an allowed URL). */
  path: string;
  /** An array or image inside a group. */
  array?: string | null;
}

function xsrfCookie(): string | null {
  const match = typeof document === 'undefined' ? null : document.cookie.match(/\b_xsrf=([^;]*)\b/);
  return match ? decodeURIComponent(match[1] ?? '') : null;
}

/**
 * The server extension's endpoints, with Jupyter's own credentials: the token where the page
 * has one, else the XSRF cookie (a cookie-only fetch without it is refused by jupyter_server).
 */
export class HttpTransport implements Transport {
  readonly options: IHttpTransportOptions;

  constructor(options: IHttpTransportOptions) {
    this.options = { ...options, baseUrl: options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/` };
  }

  forLayer(path: string): HttpTransport {
    const array = [this.options.array, path].filter(Boolean).join('/');
    return new HttpTransport({ ...this.options, array });
  }

  url(op: Op | 'events', params: Record<string, string>): string {
    const query = new URLSearchParams({ path: this.options.path });
    if (this.options.array) {
      query.set('array', this.options.array);
    }
    for (const [key, value] of Object.entries(params)) {
      query.set(key, value);
    }
    return `${this.options.baseUrl}zarrview/api/v1/${op}?${query.toString()}`;
  }

  private _headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.options.token) {
      headers.Authorization = `token ${this.options.token}`;
    } else {
      const xsrf = xsrfCookie();
      if (xsrf) {
        headers['X-XSRFToken'] = xsrf;
      }
    }
    return headers;
  }

  /** The server's event stream for this store (docs/protocol.md, "Events"). */
  watch(handlers: ILiveHandlers): () => void {
    const stream = new LiveStream({ url: this.url('events', {}), headers: this._headers(), handlers });
    return () => stream.close();
  }

  async request(op: Op, params: Record<string, string>, signal?: AbortSignal): Promise<Answer> {
    const init: RequestInit = { headers: this._headers(), credentials: 'same-origin' };
    if (signal) {
      init.signal = signal;
    }
    const response = await fetch(this.url(op, params), init);
    const answerHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      answerHeaders[key] = value;
    });
    const type = response.headers.get('Content-Type') ?? '';
    if (type.includes('json')) {
      return { status: response.status, headers: answerHeaders, json: await response.json() };
    }
    return { status: response.status, headers: answerHeaders, body: await response.arrayBuffer() };
  }
}
