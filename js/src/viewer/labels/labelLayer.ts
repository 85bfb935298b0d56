import type { Answer, Transport } from '../../protocol/answer';
import { TiledLayer, type IPlaneLayout, type ITileContent } from '../layers/tiledLayer';
import type { Renderer, RgbaTile } from '../renderer';
import { colorizeLabels } from './colorizeLabels';
import { decodeLabelTile, labelAt, type LabelIds } from './labelIds';
import { LabelPalette } from './labelPalette';

/** A label tile: the ids as stored, and their colours in the layer's current style. */
export interface ILabelTile extends ITileContent {
  ids: LabelIds;
  rgba: RgbaTile;
  /** The style `rgba` was coloured in. */
  style: string;
}

function allZero(ids: LabelIds): boolean {
  return ids.small ? ids.small.every(v => v === 0) : (ids.words as Uint32Array).every(v => v === 0);
}

/**
 * One label image over the image: ids drawn exactly in their colours (id 0 clear), filled or
 * outlined, at the layer's opacity. Tiles are coloured once when they arrive, and again only
 * when the palette or the outline mode changes.
 */
export class LabelLayer extends TiledLayer<ILabelTile> {
  private _palette: LabelPalette;
  private _outline = false;
  private _style = 'fill';

  constructor(
    transport: Transport,
    private readonly _renderer: Renderer,
    palette: LabelPalette
  ) {
    super(transport, tile => _renderer.release(tile.rgba), 64 * 2 ** 20);
    this._palette = palette;
  }

  /** What the colours of the tiles depend on: part of the picture's signature. */
  get style(): string {
    return this._style;
  }

  setOutline(outline: boolean): void {
    if (outline !== this._outline) {
      this._outline = outline;
      this._style = outline ? 'outline' : 'fill';
    }
  }

  setPalette(palette: LabelPalette, signature: string): void {
    this._palette = palette;
    this._style = `${this._outline ? 'outline' : 'fill'}|${signature}`;
  }

  protected decode(answer: Answer, layout: IPlaneLayout): ILabelTile {
    const ids = decodeLabelTile(answer, layout.row > layout.col);
    const rgba = { width: ids.width, height: ids.height, pixels: colorizeLabels(ids, this._palette, this._outline) };
    return { ids, rgba, style: this._style, bytes: ids.width * ids.height * 4 + (ids.small?.byteLength ?? ids.words?.byteLength ?? 0), empty: allZero(ids) };
  }

  /** A tile's colours in the current style, coloured again (and its texture freed) if stale. */
  colored(tile: ILabelTile): RgbaTile {
    if (tile.style !== this._style) {
      this._renderer.release(tile.rgba);
      tile.rgba = { width: tile.ids.width, height: tile.ids.height, pixels: colorizeLabels(tile.ids, this._palette, this._outline) };
      tile.style = this._style;
    }
    return tile.rgba;
  }

  /** The id at level-0 point (r, c) of the image, from the finest tile here; null if none is. */
  idAt(layout: IPlaneLayout, r: number, c: number): number | string | null {
    const found = this.contentAt(layout, r, c);
    return found ? labelAt(found.content.ids, found.row * found.content.ids.width + found.col) : null;
  }
}
