import { Clipboard, Notification } from '@jupyterlab/apputils';

import { requestShareLink } from './shareLink';

/** How the commands that call `copyShareLink` present themselves, wherever they are offered. */
export const CopyShareLinkText = {
  label: 'Copy Zarr Share Link',
  caption: 'Copy a link that reads this Zarr store without logging in, until it expires'
} as const;

/**
 * Puts a share link of the store at `path` on the clipboard and says until when it reads the
 * store without logging in; a refusal shows the server's reason.
 */
export async function copyShareLink(path: string): Promise<void> {
  const name = path.split('/').filter(Boolean).pop() ?? path;
  let url: string;
  let until: string;
  try {
    const link = await requestShareLink(path);
    url = link.url;
    until = link.expires.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  } catch (error) {
    Notification.error(`No share link for ${name}: ${error instanceof Error ? error.message : String(error)}`, {
      autoClose: false
    });
    return;
  }
  // A page may write the clipboard only shortly after a click or a key press. An answer slower
  // than that would be copied nowhere (and leave the copy waiting for the user's next Ctrl+C),
  // so the link waits behind a button instead.
  if (navigator.userActivation?.isActive ?? true) {
    Clipboard.copyToSystem(url);
    Notification.success(`Share link copied; it reads ${name} without logging in until ${until}.`, {
      autoClose: 8000
    });
  } else {
    Notification.info(`Share link of ${name} ready; it reads without logging in until ${until}.`, {
      autoClose: false,
      actions: [{ label: 'Copy', callback: () => Clipboard.copyToSystem(url) }]
    });
  }
}
