import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { linkIcon, ToolbarButton } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { Widget } from '@lumino/widgets';

import { CommandIds } from './commandIds';
import { copyShareLink, CopyShareLinkText } from './copyShareLink';
import { ZARR_VIEW_FACTORY } from './fileTypes';
import { ZarrDocument } from './zarrDocument';
import { ZarrViewer } from './zarrViewer';

interface IShareArgs {
  /** The store to share; without it, the store of a viewer tab. */
  path?: string;
  /** The viewer the context menu was opened on (its tab, or the viewer itself), not the current tab. */
  menu?: boolean;
}

/**
 * Share links of the stores shown in viewer tabs: from the tab's or the viewer's context menu, the
 * command palette, and a button in a `.zarr.zip` document's toolbar. (The file browser's item is
 * the main plugin's, which knows which folders are Zarr.)
 */
export const zarrviewSharePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-zarrview:share',
  description: 'Copy share links of Zarr stores shown in viewer tabs.',
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null) => {
    const viewerOf = (widget: Widget | null): ZarrViewer | null => {
      if (widget instanceof ZarrViewer) {
        return widget;
      }
      return widget instanceof ZarrDocument ? widget.content : null;
    };

    const menuViewer = (): ZarrViewer | null => {
      const hit = app.contextMenuHitTest(
        node => node.classList.contains('jp-ZarrViewer') || (node.classList.contains('lm-TabBar-tab') && !!node.dataset.id)
      );
      if (!hit) {
        return null;
      }
      for (const widget of app.shell.widgets('main')) {
        if (widget.id === hit.dataset.id || widget.node.contains(hit)) {
          return viewerOf(widget);
        }
      }
      return null;
    };

    const pathOf = (args: ReadonlyPartialJSONObject): string | null => {
      const { path, menu } = Private.parseArgs(args);
      if (path !== undefined) {
        return path;
      }
      // The last context menu is remembered after it closes: only a menu's own item asks for it.
      const viewer = menu ? menuViewer() : viewerOf(app.shell.currentWidget);
      return viewer?.path ?? null;
    };

    app.commands.addCommand(CommandIds.share, {
      ...CopyShareLinkText,
      icon: linkIcon,
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: { type: 'string', description: 'Store path relative to the server root; the current viewer tab\'s without it' },
            menu: { type: 'boolean', description: 'Share the viewer the context menu was opened on' }
          }
        }
      },
      isVisible: args => pathOf(args) !== null,
      execute: args => {
        const path = pathOf(args);
        return path === null ? undefined : copyShareLink(path);
      }
    });

    for (const selector of ['#jp-main-dock-panel .lm-DockPanel-tabBar .lm-TabBar-tab', '.jp-ZarrViewer']) {
      app.contextMenu.addItem({ command: CommandIds.share, selector, args: { menu: true }, rank: 20 });
    }
    palette?.addItem({ command: CommandIds.share, category: 'ZarrView' });

    // The document's toolbar would otherwise be an empty strip above the viewer.
    app.docRegistry.addWidgetExtension(ZARR_VIEW_FACTORY, {
      createNew: (widget: Widget) => {
        if (!(widget instanceof ZarrDocument)) {
          return;
        }
        const button = new ToolbarButton({
          icon: linkIcon,
          label: 'Copy share link',
          tooltip: CopyShareLinkText.caption,
          // The path at the click, since a renamed file keeps its tab.
          onClick: () => void app.commands.execute(CommandIds.share, { path: widget.content.path })
        });
        widget.toolbar.addItem('zarrview-share', button);
      }
    });
  }
};

namespace Private {
  export function parseArgs(args: ReadonlyPartialJSONObject): IShareArgs {
    return { path: typeof args.path === 'string' ? args.path : undefined, menu: args.menu === true };
  }
}
