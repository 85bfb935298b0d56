import { ABCWidgetFactory, type DocumentRegistry } from '@jupyterlab/docregistry';

import { FileTypes, ZARR_VIEW_FACTORY } from './fileTypes';
import { ZarrDocument } from './zarrDocument';
import type { ZarrDocumentModel } from './zarrDocumentModel';
import { ZarrModelFactory } from './zarrModelFactory';

/**
 * "ZarrView" in the file browser's "Open With" for `.zarr.zip` files, and what a double-click
 * opens them with.
 */
export class ZarrDocumentFactory extends ABCWidgetFactory<ZarrDocument, ZarrDocumentModel> {
  private readonly _onPickArray: (path: string, array: string) => void;

  /** `onPickArray` opens one of a group's images, when the zip holds a group that is not one. */
  constructor(onPickArray: (path: string, array: string) => void) {
    super({
      name: ZARR_VIEW_FACTORY,
      fileTypes: [FileTypes.zip],
      defaultFor: [FileTypes.zip],
      modelName: ZarrModelFactory.NAME,
      readOnly: true,
      preferKernel: false,
      canStartKernel: false
    });
    this._onPickArray = onPickArray;
  }

  protected createNewWidget(context: DocumentRegistry.IContext<ZarrDocumentModel>): ZarrDocument {
    return new ZarrDocument(context, this._onPickArray);
  }
}
