import { labelAt, type LabelIds } from './labelIds';
import type { LabelPalette } from './labelPalette';

function sameId(ids: LabelIds, i: number, j: number): boolean {
  if (ids.small) {
    return ids.small[i] === ids.small[j];
  }
  const w = ids.words as Uint32Array;
  return w[2 * i] === w[2 * j] && w[2 * i + 1] === w[2 * j + 1];
}

/**
 * The RGBA pixels of a plane of ids in `palette`'s colours, exactly (one id, one colour: no
 * interpolation). With `outline`, only the pixels on a label's border are coloured: those with
 * a 4-neighbour in the tile of another id (the tile's own edge is not a border).
 */
export function colorizeLabels(ids: LabelIds, palette: LabelPalette, outline: boolean): Uint8ClampedArray {
  const { width, height } = ids;
  const out = new Uint8ClampedArray(width * height * 4);
  const packed = new Uint32Array(out.buffer);
  // Labels come in runs: the last id's colour is reused without a lookup.
  let lastKey: number | string | null = null;
  let lastColor = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      if (outline) {
        const border =
          (c > 0 && !sameId(ids, i, i - 1)) ||
          (c < width - 1 && !sameId(ids, i, i + 1)) ||
          (r > 0 && !sameId(ids, i, i - width)) ||
          (r < height - 1 && !sameId(ids, i, i + width));
        if (!border) {
          continue;
        }
      }
      const key = labelAt(ids, i);
      if (key !== lastKey) {
        lastKey = key;
        lastColor = palette.color(key);
      }
      packed[i] = lastColor;
    }
  }
  return out;
}
