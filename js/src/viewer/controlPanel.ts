import { COLORMAP_NAMES } from './colormaps';
import { unitSymbol } from './scaleBar';
import type { IDatasetInfo, ViewState } from './viewState';
import { el } from './dom';

/** What the panel asks of the viewer when the user moves a control. */
export interface IPanelActions {
  setIndex(axis: string, index: number): void;
  setDisplayed(axes: [string, string]): void;
  togglePlay(axis: string): void;
  update<K extends keyof ViewState & string>(key: K, value: ViewState[K]): void;
  autoContrast(): void;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) {
    return value.toExponential(3);
  }
  return String(Math.round(value * 1000) / 1000);
}

/**
 * The controls under the image: a slider per non-displayed axis (with play), the displayed-axes
 * choice, channels, colormap, contrast with auto and a histogram, gamma. Plain DOM, rebuilt
 * when the data's axes change, updated in place otherwise.
 */
export class ControlPanel {
  readonly node: HTMLDivElement;
  private _sliders = new Map<string, { input: HTMLInputElement; label: HTMLSpanElement; play: HTMLButtonElement }>();
  private _structure = '';
  private _histogram: HTMLCanvasElement;
  private _histogramCounts: number[] = [];
  private _histogramRange: [number, number] = [0, 1];
  activeAxis: string | null = null;
  playing: string | null = null;

  constructor(private readonly _actions: IPanelActions) {
    this.node = el('div', 'zarrview-controls');
    this._histogram = el('canvas', 'zarrview-histogram');
    this._histogram.width = 256;
    this._histogram.height = 36;
  }

  /** Rebuilds the panel when the axes or channels change; else updates the values in place. */
  render(state: ViewState, info: IDatasetInfo, sliderAxes: string[], displayed: [string, string]): void {
    // Not the version nor the shape: growing data moves the sliders' ends, not the panel.
    const structure = JSON.stringify([info.axes, info.channels.length, sliderAxes, displayed, state.composite, info.channels.map(c => c.label)]);
    if (structure !== this._structure) {
      this._structure = structure;
      this._build(state, info, sliderAxes, displayed);
    }
    this._update(state, info);
  }

  private _build(state: ViewState, info: IDatasetInfo, sliderAxes: string[], displayed: [string, string]): void {
    this.node.replaceChildren();
    this._sliders.clear();
    const shape = info.levels[0]?.shape ?? [];
    const names = info.axes.map(a => a.name);

    for (const axis of sliderAxes) {
      const i = names.indexOf(axis);
      const row = el('div', 'zarrview-slider');
      row.dataset.axis = axis;
      const name = el('span', 'zarrview-slider-name', axis);
      const input = el('input');
      input.type = 'range';
      input.min = '0';
      input.max = String(Math.max(0, (shape[i] ?? 1) - 1));
      input.step = '1';
      input.setAttribute('aria-label', `${axis} index`);
      input.addEventListener('input', () => {
        this.activeAxis = axis;
        this._actions.setIndex(axis, Number(input.value));
      });
      const label = el('span', 'zarrview-slider-value');
      const play = el('button', 'zarrview-button zarrview-play', '▶');
      play.title = `Play through ${axis}`;
      play.addEventListener('click', () => this._actions.togglePlay(axis));
      row.append(name, input, label, play);
      this.node.append(row);
      this._sliders.set(axis, { input, label, play });
    }

    const spatial = names.filter((_, i) => i !== info.channel_axis);
    if (spatial.length > 2) {
      const row = el('div', 'zarrview-row');
      row.append(el('span', 'zarrview-label', 'view'));
      const selects: HTMLSelectElement[] = [];
      for (const which of [0, 1] as const) {
        const select = el('select', 'zarrview-displayed');
        select.setAttribute('aria-label', which === 0 ? 'vertical axis' : 'horizontal axis');
        for (const name of spatial) {
          const option = el('option', '', name);
          option.value = name;
          select.append(option);
        }
        select.value = displayed[which];
        select.addEventListener('change', () => {
          const a = selects[0]?.value ?? displayed[0];
          const b = selects[1]?.value ?? displayed[1];
          if (a !== b) {
            this._actions.setDisplayed([a, b]);
          }
        });
        selects.push(select);
        row.append(select);
        if (which === 0) {
          row.append(el('span', 'zarrview-label', '×'));
        }
      }
      this.node.append(row);
    }

    const hasChannels = info.channel_axis !== null && info.channels.length > 0;
    if (hasChannels) {
      const row = el('div', 'zarrview-row');
      const label = el('label', 'zarrview-label');
      const box = el('input', 'zarrview-composite');
      box.type = 'checkbox';
      box.checked = state.composite;
      box.addEventListener('change', () => this._actions.update('composite', box.checked));
      label.append(box, document.createTextNode(' composite'));
      row.append(label);
      this.node.append(row);
    }

    if (hasChannels && state.composite) {
      const list = el('div', 'zarrview-channels');
      state.channels.forEach((channel, i) => {
        const row = el('div', 'zarrview-channel');
        row.dataset.channel = String(i);
        const visible = el('input', 'zarrview-channel-visible');
        visible.type = 'checkbox';
        visible.title = `Show ${channel.label}`;
        visible.addEventListener('change', () => this._setChannel(state, i, { visible: visible.checked }));
        const color = el('input', 'zarrview-channel-color');
        color.type = 'color';
        color.addEventListener('input', () => this._setChannel(state, i, { color: color.value.slice(1).toUpperCase() }));
        const name = el('span', 'zarrview-channel-name', channel.label);
        const low = this._number('low');
        const high = this._number('high');
        const apply = () => {
          const lo = Number(low.value);
          const hi = Number(high.value);
          if (Number.isFinite(lo) && Number.isFinite(hi) && lo < hi) {
            this._setChannel(state, i, { contrast: [lo, hi] });
          }
        };
        low.addEventListener('change', apply);
        high.addEventListener('change', apply);
        row.append(visible, color, name, low, high);
        list.append(row);
      });
      this.node.append(list);
    } else {
      const row = el('div', 'zarrview-row');
      row.append(el('span', 'zarrview-label', 'colormap'));
      const select = el('select', 'zarrview-colormap');
      select.setAttribute('aria-label', 'colormap');
      for (const name of COLORMAP_NAMES) {
        const option = el('option', '', name);
        option.value = name;
        select.append(option);
      }
      select.addEventListener('change', () => this._actions.update('colormap', select.value));
      row.append(select);
      this.node.append(row);
    }

    const contrast = el('div', 'zarrview-row zarrview-contrast');
    if (!(hasChannels && state.composite)) {
      contrast.append(el('span', 'zarrview-label', 'contrast'));
      const low = this._number('low');
      low.classList.add('zarrview-contrast-low');
      const high = this._number('high');
      high.classList.add('zarrview-contrast-high');
      const apply = () => {
        const lo = Number(low.value);
        const hi = Number(high.value);
        if (Number.isFinite(lo) && Number.isFinite(hi) && lo < hi) {
          this._actions.update('contrast', [lo, hi]);
        }
      };
      low.addEventListener('change', apply);
      high.addEventListener('change', apply);
      contrast.append(low, high);
    }
    const auto = el('button', 'zarrview-button zarrview-auto', 'Auto');
    auto.title = 'Contrast from the 0.1 and 99.9 percentiles of this plane';
    auto.addEventListener('click', () => this._actions.autoContrast());
    contrast.append(auto);
    contrast.append(el('span', 'zarrview-label', 'gamma'));
    const gamma = el('input', 'zarrview-gamma');
    gamma.type = 'range';
    gamma.min = '0.1';
    gamma.max = '3';
    gamma.step = '0.05';
    gamma.setAttribute('aria-label', 'gamma');
    gamma.addEventListener('input', () => this._actions.update('gamma', Number(gamma.value)));
    contrast.append(gamma);
    this.node.append(contrast, this._histogram);
  }

  private _number(label: string): HTMLInputElement {
    const input = el('input', 'zarrview-number');
    input.type = 'number';
    input.step = 'any';
    input.setAttribute('aria-label', label);
    return input;
  }

  private _setChannel(state: ViewState, index: number, change: Partial<ViewState['channels'][number]>): void {
    const channels = state.channels.map((c, i) => (i === index ? { ...c, ...change } : c));
    this._actions.update('channels', channels);
  }

  private _update(state: ViewState, info: IDatasetInfo): void {
    const level0 = info.levels[0];
    for (const [axis, slider] of this._sliders) {
      const i = info.axes.findIndex(a => a.name === axis);
      const index = state.indices[axis] ?? 0;
      // The thumb shows the index drawn, focused or not: a key step on a focused slider is
      // taken by the viewer (which may clamp it), so the browser's own step must not stand.
      if (slider.input.value !== String(index)) {
        slider.input.value = String(index);
      }
      const size = level0?.shape[i] ?? 1;
      const max = String(Math.max(0, size - 1));
      if (slider.input.max !== max) {
        slider.input.max = max;
        slider.input.value = String(index); // a value past the old end was clamped to it
      }
      const scale = level0?.scale[i] ?? 1;
      const translation = level0?.translation[i] ?? 0;
      const unit = info.axes[i]?.unit;
      const physical = unit || scale !== 1 || translation !== 0 ? ` · ${formatNumber(translation + scale * index)}${unit ? ` ${unitSymbol(unit)}` : ''}` : '';
      slider.label.textContent = `${index} / ${size - 1}${physical}`;
      slider.play.textContent = this.playing === axis ? '❚❚' : '▶';
      slider.input.parentElement?.classList.toggle('zarrview-active', this.activeAxis === axis);
    }
    const colormap = this.node.querySelector<HTMLSelectElement>('.zarrview-colormap');
    if (colormap) {
      colormap.value = state.colormap;
    }
    const composite = this.node.querySelector<HTMLInputElement>('.zarrview-composite');
    if (composite) {
      composite.checked = state.composite;
    }
    const low = this.node.querySelector<HTMLInputElement>('.zarrview-contrast-low');
    const high = this.node.querySelector<HTMLInputElement>('.zarrview-contrast-high');
    if (low && high && state.contrast && document.activeElement !== low && document.activeElement !== high) {
      low.value = formatNumber(state.contrast[0]);
      high.value = formatNumber(state.contrast[1]);
    }
    this.node.querySelectorAll<HTMLDivElement>('.zarrview-channel').forEach(row => {
      const channel = state.channels[Number(row.dataset.channel)];
      if (!channel) {
        return;
      }
      const [visible, color] = row.querySelectorAll('input');
      if (visible) {
        visible.checked = channel.visible;
      }
      if (color) {
        color.value = `#${channel.color}`;
      }
      const numbers = row.querySelectorAll<HTMLInputElement>('.zarrview-number');
      if (channel.contrast && numbers.length === 2 && ![...numbers].includes(document.activeElement as HTMLInputElement)) {
        (numbers[0] as HTMLInputElement).value = formatNumber(channel.contrast[0]);
        (numbers[1] as HTMLInputElement).value = formatNumber(channel.contrast[1]);
      }
    });
    const gamma = this.node.querySelector<HTMLInputElement>('.zarrview-gamma');
    if (gamma && document.activeElement !== gamma) {
      gamma.value = String(state.gamma);
    }
    this._drawHistogram(state.contrast);
  }

  /** Shows a histogram (from a `stats` answer) with the contrast limits marked on it. */
  setHistogram(counts: number[], range: [number, number], contrast: [number, number] | null): void {
    this._histogramCounts = counts;
    this._histogramRange = range;
    this._drawHistogram(contrast);
  }

  private _drawHistogram(contrast: [number, number] | null): void {
    const canvas = this._histogram;
    const ctx = canvas.getContext('2d');
    if (!ctx) {
      return;
    }
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const counts = this._histogramCounts;
    if (!counts.length) {
      return;
    }
    const style = getComputedStyle(this.node);
    const most = Math.max(...counts.map(c => Math.log1p(c)), 1);
    ctx.fillStyle = style.getPropertyValue('--zarrview-muted').trim() || '#888';
    const w = canvas.width / counts.length;
    counts.forEach((c, i) => {
      const h = (Math.log1p(c) / most) * canvas.height;
      ctx.fillRect(i * w, canvas.height - h, Math.max(1, w), h);
    });
    const [lo, hi] = this._histogramRange;
    if (contrast && hi > lo) {
      ctx.fillStyle = style.getPropertyValue('--zarrview-accent').trim() || '#2196f3';
      for (const v of contrast) {
        const x = ((v - lo) / (hi - lo)) * canvas.width;
        ctx.fillRect(Math.round(x) - 1, 0, 2, canvas.height);
      }
    }
  }
}
