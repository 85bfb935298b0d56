import { DocumentWidget, type DocumentRegistry } from '@jupyterlab/docregistry';

import { zarrIcon } from './icons';
import type { ZarrDocumentModel } from './zarrDocumentModel';
import { ZarrViewer } from './zarrViewer';

/** A `.zarr.zip` file opened through the document manager ("Open With > ZarrView"). */
export class ZarrDocument extends DocumentWidget<ZarrViewer, ZarrDocumentModel> {
  constructor(context: DocumentRegistry.IContext<ZarrDocumentModel>, onPickArray: (path: string, array: string) => void) {
    const content = new ZarrViewer({
      path: context.localPath,
      ready: context.ready,
      onPickArray: array => onPickArray(content.path, array)
    });
    super({ context, content });
    this.addClass('jp-ZarrDocument');
    this.title.icon = zarrIcon;
    // A file renamed in the file browser keeps its tab: the viewer follows it.
    context.pathChanged.connect(() => content.setPath(context.localPath), this);
  }
}
