import type { Message } from '@lumino/messaging';

import { zarrIcon } from './icons';
import { ZarrViewer, type IZarrViewerOptions } from './zarrViewer';

/**
 * A main-area tab of its own for one Zarr store (or one array in it), as the context menu, the
 * palette and links open it.
 */
export class ZarrPanel extends ZarrViewer {
  constructor(options: IZarrViewerOptions) {
    super(options);
    this.addClass('jp-ZarrPanel');
    this.id = `zarrview-${Private.nextId++}`;
    const name = this.path.split('/').filter(Boolean).pop() ?? this.path;
    this.title.label = this.array ? `${name}/${this.array}` : name;
    this.title.caption = this.array ? `${this.path} (${this.array})` : this.path;
    this.title.icon = zarrIcon;
    this.title.closable = true;
  }

  /**
   * A closed tab is done with: a plain widget is only detached on close, which would keep its
   * viewer, its tiles and its live event stream (and the server's watcher) until the page goes.
   */
  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }
}

namespace Private {
  export let nextId = 0;
}
