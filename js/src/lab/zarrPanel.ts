import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

import { HttpTransport } from '../protocol/httpTransport';
import { mountViewer } from '../viewer/mountViewer';
import { MemoryModel } from '../viewer/memoryModel';
import type { ViewState } from '../viewer/viewState';

export interface IZarrPanelOptions {
  /** The store's path relative to the server's root dir. */
  path: string;
  /** An array or image inside a group, if the store is a group. */
  array?: string | null;
  /** View state to open with (plane, zoom, contrast, ...). */
  state?: Partial<ViewState>;
  /** Opens one of a group's images or arrays, when the path is a group that is not an image. */
  onPickArray?: (array: string) => void;
}

/**
 * A main-area panel that shows one Zarr store with the viewer, reading it over the server's
 * HTTP endpoints: no kernel is involved.
 */
export class ZarrPanel extends Widget {
  readonly path: string;
  readonly array: string | null;
  readonly model: MemoryModel;
  private _dispose: (() => void) | null = null;
  private readonly _onPickArray: ((array: string) => void) | undefined;

  constructor(options: IZarrPanelOptions) {
    super();
    this.path = options.path;
    this.array = options.array ?? null;
    this.model = new MemoryModel({ ...options.state, info: null });
    this._onPickArray = options.onPickArray;
    this.addClass('jp-ZarrPanel');
    this.id = `zarrview-${Private.nextId++}`;
    const name = this.path.split('/').filter(Boolean).pop() ?? this.path;
    this.title.label = this.array ? `${name}/${this.array}` : name;
    this.title.caption = this.array ? `${this.path} (${this.array})` : this.path;
    this.title.closable = true;
  }

  /** The view's state, as a link or the layout restorer would record it. */
  viewState(): Partial<ViewState> {
    return this.model.snapshot();
  }

  protected onAfterAttach(): void {
    if (this._dispose) {
      return;
    }
    const settings = ServerConnection.makeSettings();
    const transport = new HttpTransport({
      baseUrl: settings.baseUrl,
      token: settings.token,
      path: this.path,
      array: this.array
    });
    this._dispose = mountViewer(this.node, this.model, transport, this._onPickArray ? { onPickArray: this._onPickArray } : {});
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._dispose?.();
    this._dispose = null;
    super.dispose();
  }
}

namespace Private {
  export let nextId = 0;
}
