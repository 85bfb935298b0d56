import type { Camera } from './camera';
import { el } from './dom';
import type { IPlateCell, IPlateInfo } from './viewState';

/** Names are shown only while their cells are this many CSS pixels or more. */
const MIN_CELL_PX = 14;

/**
 * A plate's (or a well's) mosaic drawn as such: its row names down the left of the stage and
 * its column names along the top, each beside its cells as the camera moves, the cell under the
 * pointer outlined with its name, and a click on a cell says which one.
 */
export class PlateOverlay {
  readonly node = el('div', 'zarrview-plate');
  private readonly _rows = el('div', 'zarrview-plate-rows');
  private readonly _columns = el('div', 'zarrview-plate-columns');
  private readonly _hover = el('div', 'zarrview-plate-hover');
  private _plate: IPlateInfo | null = null;
  private _cells = new Map<string, IPlateCell>();
  private _drawn = '';

  constructor() {
    this.node.append(this._rows, this._columns, this._hover);
    this.node.hidden = true;
  }

  use(plate: IPlateInfo | null | undefined): void {
    this._plate = plate ?? null;
    this._cells = new Map((plate?.wells ?? []).map(w => [`${w.row},${w.column}`, w]));
    this.node.hidden = !this._plate;
    this._drawn = '';
  }

  /** The cell at level-0 point (r, c), if the mosaic has one there. */
  cellAt(r: number, c: number): IPlateCell | null {
    const plate = this._plate;
    if (!plate) {
      return null;
    }
    const row = Math.floor(r / plate.cell[0]);
    const column = Math.floor(c / plate.cell[1]);
    return this._cells.get(`${row},${column}`) ?? null;
  }

  /** Places the names for the camera as it is now (nothing is rebuilt while it stays). */
  update(camera: Camera): void {
    const plate = this._plate;
    if (!plate) {
      return;
    }
    const key = `${camera.zoom}@${camera.center.join(',')}|${camera.size.join('x')}`;
    if (key === this._drawn) {
      return;
    }
    this._drawn = key;
    const [h, w] = plate.cell;
    const [width, height] = camera.size;
    const show = Math.min(h, w) * camera.zoom >= MIN_CELL_PX;
    this._rows.replaceChildren();
    this._columns.replaceChildren();
    if (!show) {
      return;
    }
    plate.rows.forEach((name, i) => {
      const [y] = camera.toScreen([(i + 0.5) * h, 0]);
      if (y >= 0 && y <= height) {
        const label = el('span', 'zarrview-plate-name', name);
        label.style.top = `${y}px`;
        this._rows.append(label);
      }
    });
    plate.columns.forEach((name, j) => {
      const [, x] = camera.toScreen([0, (j + 0.5) * w]);
      if (x >= 0 && x <= width) {
        const label = el('span', 'zarrview-plate-name', name);
        label.style.left = `${x}px`;
        this._columns.append(label);
      }
    });
  }

  /** Outlines the cell under the pointer (level-0 point), with its name; null hides it. */
  hover(camera: Camera, point: [number, number] | null): void {
    const cell = point ? this.cellAt(point[0], point[1]) : null;
    const plate = this._plate;
    if (!cell || !plate) {
      this._hover.hidden = true;
      return;
    }
    const [h, w] = plate.cell;
    const [top, left] = camera.toScreen([cell.row * h, cell.column * w]);
    Object.assign(this._hover.style, { top: `${top}px`, left: `${left}px`, width: `${w * camera.zoom}px`, height: `${h * camera.zoom}px` });
    const name = `${plate.rows[cell.row] ?? ''}${plate.columns[cell.column] ?? ''}`;
    this._hover.textContent = cell.error ? `${name}: ${cell.error}` : name;
    this._hover.hidden = false;
  }
}
