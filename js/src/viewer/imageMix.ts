import { hexColor, lut } from './colormaps';
import type { Mix } from './renderer';
import type { ViewModel } from './viewModel';

/**
 * How the image's values become colours, from the view's settings: one channel through a
 * colormap, or the visible channels mixed in their colours. Null until every channel drawn has
 * a contrast range (auto-contrast is measuring it): nothing is drawn in a guessed range.
 */
export function imageMix(model: ViewModel, composite: boolean): Mix | null {
  const gamma = model.get('gamma') || 1;
  if (composite) {
    const channels: Mix['channels'] = [];
    let ready = true;
    model.get('channels').forEach((c, i) => {
      if (!c.visible) {
        return;
      }
      if (!c.contrast) {
        ready = false;
        return;
      }
      channels.push({ layer: i, color: hexColor(c.color), low: c.contrast[0], high: c.contrast[1] });
    });
    if (!ready) {
      return null;
    }
    return { mode: 'composite', lut: lut('gray'), gamma, channels, signature: JSON.stringify([channels, gamma]) };
  }
  const contrast = model.get('contrast');
  if (!contrast) {
    return null;
  }
  const name = model.get('colormap');
  const channels = [{ layer: 0, color: [1, 1, 1] as [number, number, number], low: contrast[0], high: contrast[1] }];
  return { mode: 'single', lut: lut(name), gamma, channels, signature: JSON.stringify([name, contrast, gamma]) };
}
