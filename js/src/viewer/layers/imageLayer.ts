import type { Answer, Transport } from '../../protocol/answer';
import { decodeTile } from '../../protocol/decodeTile';
import { toPlaneStack } from '../planeStack';
import type { PlaneStack, Renderer } from '../renderer';
import { TiledLayer, type IPlaneLayout, type ITileContent } from './tiledLayer';

export { selectionBox, structureKey, type IPlaneLayout } from './tiledLayer';

/** An image tile: one float plane per channel, as the renderer uploads it. */
export interface IImageTile extends ITileContent {
  stack: PlaneStack;
}

function allFill(data: Float32Array, fill: number): boolean {
  if (Number.isNaN(fill)) {
    return data.every(v => Number.isNaN(v));
  }
  return data.every(v => v === fill);
}

/** The image: its channels' values, mixed into colours by the renderer (see imageMix.ts). */
export class ImageLayer extends TiledLayer<IImageTile> {
  constructor(transport: Transport, renderer: Renderer) {
    super(transport, tile => renderer.release(tile.stack));
  }

  protected decode(answer: Answer, layout: IPlaneLayout): IImageTile {
    const { info } = layout;
    const decoded = decodeTile(answer);
    const channelAxis = layout.composite ? info.channel_axis : null;
    const sliced = info.axes
      .map((_, i) => i)
      .filter(i => i === layout.row || i === layout.col || (i === info.channel_axis && layout.composite));
    const stack = toPlaneStack(decoded, sliced, layout.row, layout.col, channelAxis);
    return { stack, bytes: stack.data.byteLength, empty: allFill(stack.data, Number(info.fill_value ?? 0)) };
  }

  /** Every channel's value at level-0 point (r, c), from the finest tile here; null if none is. */
  valueAt(layout: IPlaneLayout, r: number, c: number): number[] | null {
    const found = this.contentAt(layout, r, c);
    if (!found) {
      return null;
    }
    const { stack } = found.content;
    const offset = found.row * stack.width + found.col;
    const values: number[] = [];
    for (let ch = 0; ch < stack.channels; ch++) {
      values.push(stack.data[ch * stack.width * stack.height + offset] ?? Number.NaN);
    }
    return values;
  }
}
