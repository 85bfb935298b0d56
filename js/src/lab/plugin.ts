import {
  ILayoutRestorer,
  IRouter,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, InputDialog, WidgetTracker } from '@jupyterlab/apputils';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import type { Contents } from '@jupyterlab/services';
import { linkIcon } from '@jupyterlab/ui-components';

import { CommandIds } from './commandIds';
import { copyShareLink, CopyShareLinkText } from './copyShareLink';
import { FileTypes } from './fileTypes';
import { zarrIcon } from './icons';
import { parseViewLink, stripViewLink } from './viewLink';
import { ZarrFolders } from './zarrFolders';
import { ZarrPanel } from './zarrPanel';
import type { ViewState } from '../viewer/viewState';

interface IOpenArgs {
  path: string;
  array?: string | null;
  state?: Partial<ViewState>;
}

function isOpenArgs(args: unknown): args is IOpenArgs {
  return (
    typeof args === 'object' &&
    args !== null &&
    typeof (args as { path?: unknown }).path === 'string'
  );
}

/**
 * Opens Zarr stores from the file browser, the command palette and links, in main-area tabs
 * that survive a reload.
 */
export const zarrviewPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-zarrview:plugin',
  description: 'Open Zarr and OME-Zarr data in a viewer tab.',
  autoStart: true,
  requires: [IDefaultFileBrowser],
  optional: [ICommandPalette, ILayoutRestorer, IRouter],
  activate: (
    app: JupyterFrontEnd,
    browser: IDefaultFileBrowser,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    router: IRouter | null
  ) => {
    const tracker = new WidgetTracker<ZarrPanel>({ namespace: 'zarrview' });

    // Since JupyterLab 4.2 a directory file type matches folders by extension: `.zarr` and
    // `.ome.zarr` folders get the type, and with it an attribute the context menu can target.
    app.docRegistry.addFileType({
      name: FileTypes.folder,
      displayName: 'Zarr',
      extensions: ['.zarr'],
      contentType: 'directory',
      mimeTypes: [],
      icon: zarrIcon
    });
    app.docRegistry.addFileType({
      name: FileTypes.zip,
      displayName: 'Zarr (zip)',
      extensions: ['.zarr.zip'],
      contentType: 'file',
      fileFormat: null,
      mimeTypes: ['application/zip'],
      icon: zarrIcon
    });

    const isZip = (path: string): boolean =>
      app.docRegistry.getFileTypesForPath(path).some(type => type.name === FileTypes.zip);

    // One tab per store (and array): opening it again, from the menu, the palette or a link,
    // shows the tab it has, moved to the view asked for if any.
    const open = (args: IOpenArgs): ZarrPanel => {
      const array = args.array ?? null;
      const existing = tracker.find(w => w.path === args.path && w.array === array);
      if (existing) {
        if (args.state) {
          existing.applyState(args.state);
        }
        app.shell.activateById(existing.id);
        return existing;
      }
      const panel = new ZarrPanel({
        path: args.path,
        array,
        state: args.state ?? {},
        onPickArray: child => open({ path: args.path, array: array ? `${array}/${child}` : child })
      });
      void tracker.add(panel);
      panel.model.onAnyChange(() => void tracker.save(panel));
      app.shell.add(panel, 'main');
      app.shell.activateById(panel.id);
      return panel;
    };

    app.commands.addCommand(CommandIds.open, {
      label: 'Open in ZarrView',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: { type: 'string', description: 'Store path relative to the server root' },
            array: { type: ['string', 'null'], description: 'Array or image inside a group' },
            state: { type: 'object', description: 'View state to open with' }
          },
          required: ['path']
        }
      },
      execute: args => {
        if (!isOpenArgs(args)) {
          throw new Error(`${CommandIds.open} needs a 'path' argument`);
        }
        return open(args);
      }
    });

    app.commands.addCommand(CommandIds.openSelected, {
      label: 'Open in ZarrView',
      caption: 'Show this Zarr store in a viewer tab (no kernel needed)',
      execute: () => {
        for (const item of browser.selectedItems()) {
          if (isZip(item.path)) {
            // The same tab as "Open With > ZarrView" and a double-click: one per file.
            void app.commands.execute(CommandIds.openDocument, { path: item.path });
          } else {
            open({ path: item.path });
          }
        }
      }
    });

    app.commands.addCommand(CommandIds.openPath, {
      label: 'Open Zarr path…',
      caption: 'Show a Zarr store, given its path, in a viewer tab',
      execute: async () => {
        const answer = await InputDialog.getText({
          title: 'Open Zarr path',
          label: 'Path relative to the server root, or an allowed URL',
          placeholder: 'data/experiment.ome.zarr',
          text: browser.model.path ? `${browser.model.path}/` : ''
        });
        const path = answer.value?.trim();
        if (answer.button.accept && path) {
          open({ path });
        }
      }
    });

    // Folders that are Zarr under any name: the server looks inside each listed directory.
    const folders = new ZarrFolders();
    const probe = () => {
      // The names of the folders shown: a store being written changes its folder's mtime
      // with every chunk, and that must not cost a request per file-browser refresh.
      const listing = [...browser.model.items()]
        .filter(item => item.type === 'directory')
        .map(item => item.name)
        .join('/');
      void folders.probe(browser.model.path, listing);
    };
    browser.model.pathChanged.connect(probe);
    browser.model.refreshed.connect(probe);
    probe();
    app.commands.addCommand(CommandIds.openFolder, {
      label: 'Open in ZarrView',
      caption: 'Show this Zarr store in a viewer tab (no kernel needed)',
      isVisible: () => {
        const items = Array.from(browser.selectedItems());
        return items.length > 0 && items.every(i => !i.name.endsWith('.zarr') && folders.has(i.path));
      },
      execute: () => {
        for (const item of browser.selectedItems()) {
          open({ path: item.path });
        }
      }
    });
    app.contextMenu.addItem({
      command: CommandIds.openFolder,
      selector: '.jp-DirListing-item[data-isdir="true"]',
      rank: 1
    });

    const isZarr = (item: Contents.IModel): boolean =>
      item.type === 'directory' ? item.name.endsWith('.zarr') || folders.has(item.path) : isZip(item.path);
    app.commands.addCommand(CommandIds.shareSelected, {
      ...CopyShareLinkText,
      icon: linkIcon,
      // One link at a time: the clipboard holds one.
      isVisible: () => {
        const [item, other] = Array.from(browser.selectedItems());
        return item !== undefined && other === undefined && isZarr(item);
      },
      execute: () => {
        const [item] = Array.from(browser.selectedItems());
        return item ? copyShareLink(item.path) : undefined;
      }
    });
    // Next to the file browser's "Copy Path".
    app.contextMenu.addItem({ command: CommandIds.shareSelected, selector: '.jp-DirListing-item[data-isdir]', rank: 14.5 });

    for (const selector of [
      `.jp-DirListing-item[data-file-type="${FileTypes.folder}"]`,
      `.jp-DirListing-item[data-file-type="${FileTypes.zip}"]`
    ]) {
      app.contextMenu.addItem({ command: CommandIds.openSelected, selector, rank: 1 });
    }
    palette?.addItem({ command: CommandIds.openPath, category: 'ZarrView' });

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIds.open,
        args: panel => ({ path: panel.path, array: panel.array, state: panel.viewState() as ReadonlyPartialJSONObject }),
        name: panel => `${panel.path}::${panel.array ?? ''}`
      });
    }

    // Links carry the view in the query string; the router runs them once the app is up. The
    // tab opens after the layout restorer has brought the workspace's tabs back, so that a tab
    // of the same store is reused, not restored next to the link's. The router can run a link
    // twice (`?reset` clears the workspace, then navigates to its URL again, query and all):
    // the second run finds the first one's tab.
    const openLink = 'zarrview:open-link';
    app.commands.addCommand(openLink, {
      execute: () => {
        const link = parseViewLink(window.location.search);
        if (!link) {
          return;
        }
        const url = window.location.pathname + stripViewLink(window.location.search);
        window.history.replaceState(null, '', url + window.location.hash);
        const state = Object.keys(link.state).length > 0 ? link.state : undefined;
        // Not awaited: the restorer waits on the workspace's state, which the router loads next.
        void app.restored.then(() => open({ path: link.path, array: link.array, state }));
      }
    });
    router?.register({ command: openLink, pattern: /[?&]zarrview=/, rank: 20 });
  }
};
