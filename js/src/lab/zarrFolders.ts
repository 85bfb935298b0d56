import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * Folders the server says are Zarr although their names do not end in `.zarr` (a job's output
 * folder, say): asked once per directory listing, kept for the context menu's synchronous check.
 */
export class ZarrFolders {
  private _known = new Set<string>();
  private _probed = new Map<string, string>();

  has(path: string): boolean {
    return this._known.has(path);
  }

  /**
   * Asks the server about `directory`'s folders, unless `listing` (what the file browser shows
   * of them) is what it was at the last probe: the file browser refreshes every few seconds,
   * and an unchanged listing must cost the server nothing.
   */
  async probe(directory: string, listing?: string): Promise<void> {
    if (listing !== undefined) {
      if (this._probed.get(directory) === listing) {
        return;
      }
      this._probed.set(directory, listing);
    }
    const settings = ServerConnection.makeSettings();
    const url = `${URLExt.join(settings.baseUrl, 'zarrview/api/v1/zarr-folders')}?${new URLSearchParams({ path: directory })}`;
    try {
      const response = await ServerConnection.makeRequest(url, {}, settings);
      if (!response.ok) {
        return; // no extension, or a folder it may not read: nothing to offer
      }
      const body = (await response.json()) as { zarr?: unknown };
      if (Array.isArray(body.zarr)) {
        for (const name of body.zarr) {
          this._known.add(directory ? `${directory}/${String(name)}` : String(name));
        }
      }
    } catch {
      // Offline or refused: the .zarr suffix still works.
    }
  }
}
