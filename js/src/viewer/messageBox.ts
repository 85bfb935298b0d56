import { ProtocolError } from '../protocol/protocolError';
import { el } from './dom';

interface IChild {
  path: string;
  kind: string;
  shape: number[];
  dtype?: string;
  /** A bioformats2raw series' name. */
  name?: string;
}

/**
 * What covers the stage when the view cannot show its data: the error, and for a group that is
 * not an image (a 422 answer listing its children) the arrays to choose from.
 */
export class MessageBox {
  readonly node: HTMLDivElement;

  constructor(private readonly _onPick?: (path: string) => void) {
    this.node = el('div', 'zarrview-message');
    this.node.hidden = true;
  }

  /** Shows `error` (`null` or `''` hides the box); returns the message shown. */
  show(error: unknown): string {
    if (error === null || error === '' || error === undefined) {
      this.node.replaceChildren();
      this.node.hidden = true;
      return '';
    }
    const message = error instanceof Error ? error.message : String(error);
    this.node.hidden = false;
    this.node.replaceChildren(el('div', 'zarrview-error', message));
    if (error instanceof ProtocolError && error.status === 422 && Array.isArray(error.body.children)) {
      this.node.append(this._children(error.body.children as IChild[]));
    }
    return message;
  }

  private _children(children: IChild[]): HTMLUListElement {
    const list = el('ul', 'zarrview-children');
    for (const child of children) {
      const item = el('li');
      const what = [child.kind, child.shape.join('×'), child.dtype].filter(Boolean).join(', ');
      const text = child.name ? `${child.name} (${child.path}: ${what})` : `${child.path} (${what})`;
      const button = el('button', 'zarrview-button', text);
      button.disabled = !this._onPick;
      button.addEventListener('click', () => this._onPick?.(child.path));
      item.append(button);
      list.append(item);
    }
    return list;
  }
}
