import { ServerConnection } from '@jupyterlab/services';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { HttpTransport } from '../protocol/httpTransport';
import { mountViewer } from '../viewer/mountViewer';
import { MemoryModel } from '../viewer/memoryModel';
import type { ViewState } from '../viewer/viewState';

export interface IZarrViewerOptions {
  /** The store's path relative to the server's root dir. */
  path: string;
  /** An array or image inside a group, if the store is a group. */
  array?: string | null;
  /** View state to open with (plane, zoom, contrast, ...). */
  state?: Partial<ViewState>;
  /** Opens one of a group's images or arrays, when the path is a group that is not an image. */
  onPickArray?: (array: string) => void;
  /**
   * Holds the first request back until it settles: a document's view waits until its context
   * has found the file, so a missing file reports once, and a restored view state set meanwhile
   * is the first view drawn.
   */
  ready?: Promise<unknown>;
}

/**
 * The viewer over the server's HTTP endpoints, as a Lumino widget: what both the main-area panel
 * and the `.zarr.zip` document show. No kernel is involved.
 */
export class ZarrViewer extends Widget {
  readonly array: string | null;
  readonly model: MemoryModel;
  private _path: string;
  private _ready: boolean;
  private _unmount: (() => void) | null = null;
  private _pendingState: Partial<ViewState> | null = null;
  private readonly _onPickArray: ((array: string) => void) | undefined;

  constructor(options: IZarrViewerOptions) {
    super();
    this._path = options.path;
    this.array = options.array ?? null;
    this.model = new MemoryModel({ ...options.state, info: null });
    this._onPickArray = options.onPickArray;
    this.addClass('jp-ZarrViewer');
    // Focusable, so that activating the tab moves focus here (see onActivateRequest).
    this.node.tabIndex = -1;
    this._ready = !options.ready;
    options.ready?.then(
      () => {
        this._ready = true;
        this._mount();
      },
      () => {
        // The host reports why (a document shows the context's load error).
      }
    );
  }

  /** The store's path relative to the server's root dir. */
  get path(): string {
    return this._path;
  }

  /** Follows the store to a new path (a rename), keeping the view where it was. */
  setPath(path: string): void {
    if (path === this._path) {
      return;
    }
    this._path = path;
    this._unmountViewer();
    this.model.set('info', null);
    this.model.set('error', '');
    this._mount();
  }

  /** The view's state, as a link or the layout restorer would record it. */
  viewState(): Partial<ViewState> {
    return this.model.snapshot();
  }

  /** Moves the view to a recorded state (a restored tab, a link to an open store). */
  applyState(state: Partial<ViewState>): void {
    if (this._unmount && !this.model.get('info')) {
      // A running viewer lays its view out afresh when its data's info arrives: a view given
      // before that would be fitted away. It waits for the info (a link to a tab that the
      // workspace has just brought back, still loading).
      this._waitForInfo({ ...this._pendingState, ...state });
      return;
    }
    for (const key of Object.keys(state) as (keyof ViewState)[]) {
      Private.assign(this.model, state, key);
    }
  }

  protected onAfterAttach(): void {
    this._mount();
  }

  /**
   * The shell's current widget follows focus: a tab shown but not focused leaves the one before
   * it current (for the palette's commands, keyboard shortcuts). The viewer itself takes the
   * focus, so that its keys work at once.
   */
  protected onActivateRequest(_msg: Message): void {
    if (this.node.contains(document.activeElement)) {
      return;
    }
    const viewer = this.node.querySelector<HTMLElement>('.zarrview');
    (viewer ?? this.node).focus();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._unmountViewer();
    super.dispose();
  }

  private _mount(): void {
    if (this._unmount || !this._ready || !this.isAttached || this.isDisposed) {
      return;
    }
    const settings = ServerConnection.makeSettings();
    const transport = new HttpTransport({
      baseUrl: settings.baseUrl,
      token: settings.token,
      path: this._path,
      array: this.array
    });
    this._unmount = mountViewer(this.node, this.model, transport, this._onPickArray ? { onPickArray: this._onPickArray } : {});
  }

  private _waitForInfo(state: Partial<ViewState>): void {
    const waiting = this._pendingState !== null;
    this._pendingState = state;
    if (waiting) {
      return;
    }
    const onInfo = (): void => {
      if (!this.model.get('info')) {
        return;
      }
      this.model.off('change:info', onInfo);
      // After every listener of this change, the viewer's own layout included.
      void Promise.resolve().then(() => {
        const pending = this._pendingState;
        this._pendingState = null;
        if (pending && !this.isDisposed) {
          this.applyState(pending);
        }
      });
    };
    this.model.on('change:info', onInfo);
  }

  private _unmountViewer(): void {
    this._unmount?.();
    this._unmount = null;
  }
}

namespace Private {
  export function assign<K extends keyof ViewState>(model: MemoryModel, state: Partial<ViewState>, key: K): void {
    const value = state[key];
    if (value !== undefined) {
      model.set(key, value);
    }
  }
}
