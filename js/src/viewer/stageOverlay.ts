import { el } from './dom';
import type { LevelRef } from './levels';
import { formatLength, niceLength } from './scaleBar';
import type { IAxisInfo } from './viewState';

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text; // unchanged text is not written: no layout work per frame
  }
}

/** What is drawn over the canvas as text: the level badge, the scale bar and the value readout. */
export class StageOverlay {
  readonly scaleBar = el('div', 'zarrview-scalebar');
  readonly readout = el('div', 'zarrview-readout');
  readonly levelBadge = el('div', 'zarrview-level');

  get nodes(): HTMLElement[] {
    return [this.scaleBar, this.readout, this.levelBadge];
  }

  /**
   * The level read (and its stride, where a finer level stands in for a missing coarser one)
   * and a scale bar for `axis`, whose pixels are `scale` units apart, at `zoom` screen pixels
   * per pixel, at most a third of `width` long.
   */
  update(ref: LevelRef | undefined, axis: IAxisInfo | undefined, scale: number, zoom: number, width: number): void {
    setText(this.levelBadge, ref ? `level ${ref.level}${ref.step > 1 ? ` /${ref.step}` : ''}` : '');
    const { length, pixels } = niceLength(zoom / (scale || 1), Math.min(160, width / 3));
    this.scaleBar.style.width = `${pixels}px`;
    setText(this.scaleBar, length ? formatLength(length, axis?.unit ?? (scale !== 1 ? 'units' : null)) : '');
  }

  /** The values under the cursor at (`row`, `col`), one per channel; null clears it. */
  showValue(at: { rowName: string; colName: string; row: number; col: number; values: number[]; labels?: string[] } | null): void {
    if (!at) {
      setText(this.readout, '');
      return;
    }
    const text = at.values.map(v => (Number.isNaN(v) ? '' : String(Math.round(v * 1e4) / 1e4)));
    const labels = at.labels?.length ? ` · ${at.labels.join(' · ')}` : '';
    setText(this.readout, `${at.rowName} ${Math.floor(at.row)}, ${at.colName} ${Math.floor(at.col)}: ${text.join(' | ')}${labels}`);
  }
}
