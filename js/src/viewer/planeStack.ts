import type { Tile } from '../protocol/decodeTile';
import type { PlaneStack } from './renderer';

/**
 * Rearranges a decoded tile into channel-major float planes. The answer's dimensions are the
 * sliced axes in axis order, so (row, col) may come transposed, and the channel axis may be
 * anywhere among them.
 */
export function toPlaneStack(tile: Tile, slicedAxes: number[], rowAxis: number, colAxis: number, channelAxis: number | null): PlaneStack {
  const strides: number[] = new Array<number>(tile.shape.length).fill(1);
  for (let i = tile.shape.length - 2; i >= 0; i--) {
    strides[i] = (strides[i + 1] as number) * (tile.shape[i + 1] as number);
  }
  const dim = (axis: number) => slicedAxes.indexOf(axis);
  const rDim = dim(rowAxis);
  const cDim = dim(colAxis);
  const chDim = channelAxis === null ? -1 : dim(channelAxis);
  const height = tile.shape[rDim] ?? 1;
  const width = tile.shape[cDim] ?? 1;
  const channels = chDim >= 0 ? (tile.shape[chDim] ?? 1) : 1;
  const rStride = strides[rDim] ?? 0;
  const cStride = strides[cDim] ?? 0;
  const chStride = chDim >= 0 ? (strides[chDim] ?? 0) : 0;
  const data = new Float32Array(channels * height * width);
  const src = tile.data;
  let o = 0;
  for (let ch = 0; ch < channels; ch++) {
    for (let r = 0; r < height; r++) {
      let i = ch * chStride + r * rStride;
      for (let c = 0; c < width; c++, i += cStride) {
        data[o++] = src[i] as number;
      }
    }
  }
  return { width, height, channels, data };
}
