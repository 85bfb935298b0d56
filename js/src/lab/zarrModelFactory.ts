import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { Contents } from '@jupyterlab/services';

import { ZarrDocumentModel } from './zarrDocumentModel';

/**
 * Makes the models of `.zarr.zip` documents. Its `fileFormat` is null, so the document context
 * asks the contents API for the file's metadata only (`content=0`), never its bytes.
 */
export class ZarrModelFactory implements DocumentRegistry.IModelFactory<ZarrDocumentModel> {
  static readonly NAME = 'zarrview';

  private _isDisposed = false;

  get name(): string {
    return ZarrModelFactory.NAME;
  }

  get contentType(): Contents.ContentType {
    return 'file';
  }

  get fileFormat(): Contents.FileFormat {
    return null;
  }

  get collaborative(): boolean {
    return false;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    this._isDisposed = true;
  }

  createNew(options: DocumentRegistry.IModelOptions = {}): ZarrDocumentModel {
    // Never collaborative: there is no content to share.
    return new ZarrDocumentModel({ languagePreference: options.languagePreference ?? '' });
  }

  preferredLanguage(): string {
    return '';
  }
}
