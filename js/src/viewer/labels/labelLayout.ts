import { axisBase, levelRefs } from '../levels';
import { structureKey, type IPlaneLayout } from '../layers/tiledLayer';
import type { IDatasetInfo } from '../viewState';

/**
 * The plane a label image shows under the image's: the same displayed axes (by name), its own
 * levels placed in the image's level-0 pixels by their scale and translation, and each slider
 * axis at the label's index of the same physical position. Null where the label image lacks a
 * displayed axis, so it cannot lie over this plane.
 */
export function labelLayout(image: IPlaneLayout, labels: IDatasetInfo): IPlaneLayout | null {
  const names = labels.axes.map(a => a.name);
  const rowName = image.info.axes[image.row]?.name ?? '';
  const colName = image.info.axes[image.col]?.name ?? '';
  const row = names.indexOf(rowName);
  const col = names.indexOf(colName);
  if (row < 0 || col < 0) {
    return null;
  }
  const refs = levelRefs(labels, row, col, 256, [axisBase(image.info, image.row), axisBase(image.info, image.col)]);
  const indices: Record<string, number> = {};
  const own = labels.levels[0];
  const theirs = image.info.levels[0];
  labels.axes.forEach((axis, i) => {
    if (i === row || i === col) {
      return;
    }
    const j = image.info.axes.findIndex(a => a.name === axis.name);
    const size = own?.shape[i] ?? 1;
    if (j < 0) {
      indices[axis.name] = 0; // an axis the image has not (a label image's own channel): its first
      return;
    }
    const index = image.indices[axis.name] ?? 0;
    const s = own?.scale[i] ?? 1;
    const position = (theirs?.translation[j] ?? 0) + (theirs?.scale[j] ?? 1) * index;
    const mine = s > 0 ? Math.round((position - (own?.translation[i] ?? 0)) / s) : index;
    indices[axis.name] = Math.min(size - 1, Math.max(0, mine));
  });
  return { info: labels, structure: structureKey(labels), refs, row, col, composite: false, indices };
}
