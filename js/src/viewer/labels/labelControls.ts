import { el } from '../dom';
import type { ILabelState } from '../viewState';

interface IRow {
  visible: HTMLInputElement;
  opacity: HTMLInputElement;
  outline: HTMLInputElement;
}

/**
 * The label layers' controls, under the image's: per label image, whether it is shown, its
 * opacity and outline mode, or what is wrong with it. Rebuilt when the list changes, updated in
 * place otherwise.
 */
export class LabelControls {
  readonly node = el('div', 'zarrview-labels');
  private _rows = new Map<string, IRow>();
  private _structure = '';

  constructor(private readonly _set: (name: string, change: Partial<ILabelState>) => void) {
    this.node.hidden = true;
  }

  render(entries: { name: string; error: string | null; state: ILabelState }[]): void {
    const structure = JSON.stringify(entries.map(e => [e.name, e.error]));
    if (structure !== this._structure) {
      this._structure = structure;
      this._build(entries);
    }
    for (const { name, state } of entries) {
      const row = this._rows.get(name);
      if (row) {
        row.visible.checked = state.visible;
        row.opacity.value = String(state.opacity);
        row.outline.checked = state.outline;
      }
    }
  }

  private _build(entries: { name: string; error: string | null; state: ILabelState }[]): void {
    this.node.replaceChildren();
    this._rows.clear();
    this.node.hidden = entries.length === 0;
    for (const { name, error } of entries) {
      const row = el('div', 'zarrview-row zarrview-label-layer');
      row.dataset.label = name;
      if (error) {
        row.append(el('span', 'zarrview-label', name), el('span', 'zarrview-label-error', error));
        this.node.append(row);
        continue;
      }
      const visible = el('input');
      visible.type = 'checkbox';
      visible.setAttribute('aria-label', `show labels ${name}`);
      visible.addEventListener('change', () => this._set(name, { visible: visible.checked }));
      const opacity = el('input', 'zarrview-label-opacity');
      opacity.type = 'range';
      Object.assign(opacity, { min: '0', max: '1', step: '0.05' });
      opacity.setAttribute('aria-label', `opacity of labels ${name}`);
      opacity.addEventListener('input', () => this._set(name, { opacity: Number(opacity.value) }));
      const outline = el('input');
      outline.type = 'checkbox';
      outline.setAttribute('aria-label', `outline labels ${name}`);
      outline.addEventListener('change', () => this._set(name, { outline: outline.checked }));
      const outlineLabel = el('label', 'zarrview-label', 'outline');
      outlineLabel.prepend(outline);
      row.append(visible, el('span', 'zarrview-label', name), opacity, outlineLabel);
      this.node.append(row);
      this._rows.set(name, { visible, opacity, outline });
    }
  }
}
