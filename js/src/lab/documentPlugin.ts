import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIds } from './commandIds';
import { ZARR_VIEW_FACTORY } from './fileTypes';
import type { ZarrDocument } from './zarrDocument';
import { ZarrDocumentFactory } from './zarrDocumentFactory';
import { ZarrModelFactory } from './zarrModelFactory';
import { ZarrViewer } from './zarrViewer';
import type { ViewState } from '../viewer/viewState';

interface IOpenDocumentArgs {
  path: string;
  state?: Partial<ViewState>;
}

function isOpenDocumentArgs(args: unknown): args is IOpenDocumentArgs {
  return (
    typeof args === 'object' &&
    args !== null &&
    typeof (args as { path?: unknown }).path === 'string'
  );
}

/**
 * `.zarr.zip` files as documents: "Open With > ZarrView" and double-click show them in the
 * viewer, and their tabs come back after a reload with the view they had.
 */
export const zarrviewDocumentPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-zarrview:document',
  description: 'Open .zarr.zip files in the viewer from "Open With" and by double-click.',
  autoStart: true,
  requires: [IDocumentManager],
  optional: [ILayoutRestorer],
  activate: (app: JupyterFrontEnd, docManager: IDocumentManager, restorer: ILayoutRestorer | null) => {
    const tracker = new WidgetTracker<ZarrDocument>({ namespace: 'zarrview-document' });

    app.docRegistry.addModelFactory(new ZarrModelFactory());
    const factory = new ZarrDocumentFactory(
      (path, array) => void app.commands.execute(CommandIds.open, { path, array })
    );
    factory.widgetCreated.connect((_, widget) => {
      void tracker.add(widget);
      widget.context.pathChanged.connect(() => void tracker.save(widget));
      widget.content.model.onAnyChange(() => void tracker.save(widget));
    });
    app.docRegistry.addWidgetFactory(factory);

    app.commands.addCommand(CommandIds.openDocument, {
      label: 'Open in ZarrView',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: { type: 'string', description: 'Path of a .zarr.zip file relative to the server root' },
            state: { type: 'object', description: 'View state to open with' }
          },
          required: ['path']
        }
      },
      execute: args => {
        if (!isOpenDocumentArgs(args)) {
          throw new Error(`${CommandIds.openDocument} needs a 'path' argument`);
        }
        const widget = docManager.openOrReveal(args.path, ZARR_VIEW_FACTORY);
        if (args.state && widget?.content instanceof ZarrViewer) {
          // A new document's viewer starts once its context is ready, which is later than
          // this: the restored view is the first one drawn.
          widget.content.applyState(args.state);
        }
        return widget;
      }
    });

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIds.openDocument,
        args: widget => ({
          path: widget.context.path,
          state: widget.content.viewState() as ReadonlyPartialJSONObject
        }),
        name: widget => widget.context.path
      });
    }
  }
};
