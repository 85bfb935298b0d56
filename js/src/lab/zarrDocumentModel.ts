import { DocumentModel } from '@jupyterlab/docregistry';

/**
 * The document model of a `.zarr.zip` opened in the viewer: it holds no content, since the viewer
 * reads tiles from the server and the zip can be gigabytes.
 */
export class ZarrDocumentModel extends DocumentModel {
  constructor(options: ConstructorParameters<typeof DocumentModel>[0] = {}) {
    super(options);
    this.readOnly = true;
  }

  /**
   * True so that the document context never saves the file nor makes a checkpoint of it: for a
   * writable file without checkpoints, opening it would otherwise copy the whole zip on the
   * server (a context only skips both for models kept by a collaborative backend).
   */
  get collaborative(): boolean {
    return true;
  }
}
