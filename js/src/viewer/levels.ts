import type { IDatasetInfo } from './viewState';

/**
 * A level the viewer can draw: a real pyramid level, read every `step`-th pixel on the displayed
 * axes. Arrays without a pyramid get strided virtual levels, so a zoomed-out view of a large
 * plane stays cheap.
 */
export interface LevelRef {
  level: number;
  step: number;
  /** Level-0 pixels per drawn pixel on the (row, column) axes. */
  factor: [number, number];
  /** Drawn pixels on the (row, column) axes. */
  size: [number, number];
  /** Where drawn pixel 0 starts, in level-0 pixels, on the (row, column) axes. */
  offset: [number, number];
}

/**
 * The pixels everything is drawn in: the image's level 0 on one axis (its pixel size, origin and
 * length). A label image may have pixels of other sizes, or start elsewhere.
 */
export interface IAxisBase {
  scale: number;
  translation: number;
  size: number;
}

function ownBase(info: IDatasetInfo, axis: number): IAxisBase {
  const base = info.levels[0];
  return { scale: base?.scale[axis] ?? 1, translation: base?.translation[axis] ?? 0, size: base?.shape[axis] ?? 1 };
}

function axisFactor(info: IDatasetInfo, level: number, axis: number, base: IAxisBase): number {
  const here = info.levels[level];
  if (!here) {
    return 1;
  }
  const s = here.scale[axis] ?? 1;
  if (base.scale > 0 && s > 0 && s !== base.scale) {
    return s / base.scale;
  }
  // No usable scale metadata: the shapes tell the downsampling.
  return base.size / Math.max(1, here.shape[axis] ?? 1);
}

function axisOffset(info: IDatasetInfo, level: number, axis: number, base: IAxisBase): number {
  const here = info.levels[level];
  if (!here) {
    return 0;
  }
  // Pixel centres: base pixel i is centred at t0 + s0 * (i + 0.5) - s0 / 2 ... so a level
  // pixel j covers base coordinates [offset + j * factor, offset + (j + 1) * factor).
  const t = here.translation[axis] ?? 0;
  const factor = axisFactor(info, level, axis, base);
  return base.scale > 0 ? (t - base.translation) / base.scale - (factor - 1) / 2 : 0;
}

/**
 * Every drawable level, finest first: the real levels, then strided ones below the coarsest.
 * Factors and offsets are in the pixels of `base` (row, column): the data's own level 0 unless
 * another layer's is given.
 */
export function levelRefs(info: IDatasetInfo, rowAxis: number, colAxis: number, minSize = 256, base?: [IAxisBase, IAxisBase]): LevelRef[] {
  const [rowBase, colBase] = base ?? [ownBase(info, rowAxis), ownBase(info, colAxis)];
  const out: LevelRef[] = [];
  info.levels.forEach((lv, level) => {
    out.push({
      level,
      step: 1,
      factor: [axisFactor(info, level, rowAxis, rowBase), axisFactor(info, level, colAxis, colBase)],
      size: [lv.shape[rowAxis] ?? 1, lv.shape[colAxis] ?? 1],
      offset: [axisOffset(info, level, rowAxis, rowBase), axisOffset(info, level, colAxis, colBase)]
    });
  });
  const coarsest = out[out.length - 1];
  if (!coarsest) {
    return out;
  }
  // A strided pixel shows the first pixel it stands for: nearest-neighbour decimation.
  let size = coarsest.size;
  for (let step = 2; Math.max(size[0], size[1]) > minSize; step *= 2) {
    size = [Math.ceil(coarsest.size[0] / step), Math.ceil(coarsest.size[1] / step)];
    out.push({
      level: coarsest.level,
      step,
      factor: [coarsest.factor[0] * step, coarsest.factor[1] * step],
      size,
      offset: [coarsest.offset[0], coarsest.offset[1]]
    });
  }
  return out;
}

/** The base of axis `axis` of the data's level 0, for another layer's `levelRefs`. */
export function axisBase(info: IDatasetInfo, axis: number): IAxisBase {
  return ownBase(info, axis);
}

/**
 * The level to draw at a zoom (screen pixels per level-0 pixel): the coarsest whose pixels are
 * still no larger than a screen pixel, so nothing finer than the screen shows is fetched.
 */
export function chooseLevel(refs: LevelRef[], zoom: number, devicePixelRatio = 1): number {
  let chosen = 0;
  refs.forEach((ref, i) => {
    const pixel = Math.min(ref.factor[0], ref.factor[1]) * zoom * devicePixelRatio;
    if (pixel <= 1.0001) {
      chosen = i;
    }
  });
  return chosen;
}
