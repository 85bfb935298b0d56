import type { ViewModel } from './viewModel';
import type { IChannelState, IDatasetInfo } from './viewState';

/** The displayed axes the data suggests: the last two that are not channels. */
function defaultDisplayed(info: IDatasetInfo): string[] {
  const names = info.axes.map(a => a.name);
  const candidates = names.filter((_, i) => i !== info.channel_axis);
  const displayed = candidates.slice(-2);
  return displayed.length < 2 ? names.slice(-2) : displayed;
}

/** Where a slider starts: OME's render defaults, else the middle of a stack, else 0. */
function defaultIndex(info: IDatasetInfo, i: number, size: number): number {
  const name = info.axes[i]?.name ?? '';
  const type = info.axes[i]?.type;
  const rdefs = info.rdefs ?? {};
  let index = 0;
  if (name === 'z' && typeof rdefs.defaultZ === 'number') {
    index = rdefs.defaultZ;
  } else if (name === 't' && typeof rdefs.defaultT === 'number') {
    index = rdefs.defaultT;
  } else if (type === 'space' || (type === null && i !== info.channel_axis && name !== 't')) {
    index = Math.floor(size / 2); // the middle of a stack, as desktop viewers open it
  }
  return Math.min(size - 1, Math.max(0, index));
}

/** Channel display settings from the data's own (OME `omero` windows where they say something). */
function defaultChannels(info: IDatasetInfo): IChannelState[] {
  return info.channels.map(c => {
    const w = c.window;
    const fromOme = w.start < w.end && (w.start !== w.min || w.end !== w.max);
    return { label: c.label, color: c.color, visible: c.active, contrast: fromOme ? [w.start, w.end] : null };
  });
}

/**
 * Fills in the displayed axes, slider indices and channel settings the data suggests, where the
 * model has none that fit the data (an index out of range is reset too), and saves them.
 */
export function fillDefaults(model: ViewModel, info: IDatasetInfo): void {
  const names = info.axes.map(a => a.name);
  const shape = info.levels[0]?.shape ?? [];
  let displayed = model.get('displayed_axes');
  if (displayed.length !== 2 || !displayed.every(a => names.includes(a))) {
    displayed = defaultDisplayed(info);
    model.set('displayed_axes', displayed);
  }
  const indices = { ...model.get('indices') };
  let changed = false;
  names.forEach((name, i) => {
    if (displayed.includes(name)) {
      return;
    }
    const size = shape[i] ?? 1;
    const current = indices[name];
    if (current === undefined || current >= size || current < 0) {
      indices[name] = defaultIndex(info, i, size);
      changed = true;
    }
  });
  if (changed) {
    model.set('indices', indices);
  }
  if (info.channel_axis !== null && model.get('channels').length !== info.channels.length) {
    model.set('channels', defaultChannels(info));
  }
  model.save_changes();
}
