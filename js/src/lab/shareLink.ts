import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A share link the server minted: whoever holds `url` reads the store's keys until `expires`. */
export interface IShareLink {
  /** The store's URL, absolute, so that it works pasted anywhere. */
  url: string;
  /** The store's path, as asked for. */
  path: string;
  expires: Date;
}

/**
 * Asks the server for a share link of the store at `path` (relative to the root dir, or absolute
 * in an extra root). Rejects with the server's own reason when it refuses: share links switched
 * off, a path the user may not read, no store there.
 */
export async function requestShareLink(path: string, expiresIn?: number): Promise<IShareLink> {
  const settings = ServerConnection.makeSettings();
  const params = new URLSearchParams({ path });
  if (expiresIn !== undefined) {
    params.set('expires_in', String(expiresIn));
  }
  const endpoint = `${URLExt.join(settings.baseUrl, 'zarrview/api/v1/share')}?${params}`;
  const response = await ServerConnection.makeRequest(endpoint, { method: 'POST' }, settings);
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(Private.reason(body) ?? `the server answered ${response.status} ${response.statusText}`.trim());
  }
  const { url, expires } = (body ?? {}) as { url?: unknown; expires?: unknown };
  if (typeof url !== 'string' || typeof expires !== 'number') {
    throw new Error('the server answered without a link');
  }
  // The server answers a path under its base URL; the base URL also names the host that serves it.
  return { url: new URL(url, settings.baseUrl).href, path, expires: new Date(expires * 1000) };
}

namespace Private {
  /** The message of a refusal: the extension's `error`, or Jupyter's own `message`. */
  export function reason(body: unknown): string | null {
    if (typeof body !== 'object' || body === null) {
      return null;
    }
    const { error, message } = body as { error?: unknown; message?: unknown };
    if (typeof error === 'string' && error) {
      return error;
    }
    return typeof message === 'string' && message ? message : null;
  }
}
