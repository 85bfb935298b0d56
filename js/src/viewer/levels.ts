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

function axisFactor(info: IDatasetInfo, level: number, axis: number): number {
  const base = info.levels[0];
  const here = info.levels[level];
  if (!base || !here) {
    return 1;
  }
  const s0 = base.scale[axis] ?? 1;
  const s = here.scale[axis] ?? 1;
  if (s0 > 0 && s > 0 && s !== s0) {
    return s / s0;
  }
  // No usable scale metadata: the shapes tell the downsampling.
  return (base.shape[axis] ?? 1) / Math.max(1, here.shape[axis] ?? 1);
}

function axisOffset(info: IDatasetInfo, level: number, axis: number): number {
  const base = info.levels[0];
  const here = info.levels[level];
  if (!base || !here) {
    return 0;
  }
  const s0 = base.scale[axis] ?? 1;
  // Pixel centres: level-0 pixel i is centred at t0 + s0 * (i + 0.5) - s0 / 2 ... so a level
  // pixel j covers level-0 coordinates [offset + j * factor, offset + (j + 1) * factor).
  const t0 = base.translation[axis] ?? 0;
  const t = here.translation[axis] ?? 0;
  const factor = axisFactor(info, level, axis);
  return s0 > 0 ? (t - t0) / s0 - (factor - 1) / 2 : 0;
}

/** Every drawable level, finest first: the real levels, then strided ones below the coarsest. */
export function levelRefs(info: IDatasetInfo, rowAxis: number, colAxis: number, minSize = 256): LevelRef[] {
  const out: LevelRef[] = [];
  info.levels.forEach((lv, level) => {
    out.push({
      level,
      step: 1,
      factor: [axisFactor(info, level, rowAxis), axisFactor(info, level, colAxis)],
      size: [lv.shape[rowAxis] ?? 1, lv.shape[colAxis] ?? 1],
      offset: [axisOffset(info, level, rowAxis), axisOffset(info, level, colAxis)]
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
