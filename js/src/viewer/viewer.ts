import type { Transport } from '../protocol/answer';
import { decodeTile } from '../protocol/decodeTile';
import { ProtocolError } from '../protocol/protocolError';
import { CanvasRenderer } from './canvasRenderer';
import { hexColor, lut } from './colormaps';
import { ControlPanel } from './controlPanel';
import { GlRenderer } from './glRenderer';
import { chooseLevel, levelRefs, type LevelRef } from './levels';
import { toPlaneStack } from './planeStack';
import type { Mix, PlaneStack, Renderer } from './renderer';
import { formatLength, niceLength } from './scaleBar';
import { TileCache } from './tileCache';
import { TILE_SIZE, tileRange, tileSelection, tilesInView, type TileKey } from './tileGrid';
import type { ViewModel } from './viewModel';
import type { IChannelState, IDatasetInfo, ViewState } from './viewState';

interface ILoaded {
  stack: PlaneStack;
  bytes: number;
}

interface IStatsChannel {
  percentiles: Record<string, number>;
  histogram: { min: number | null; max: number | null; counts: number[] };
}

const MAX_IN_FLIGHT = 6;
const CACHE_BYTES = 256 * 2 ** 20;
const STATE_KEYS: (keyof ViewState & string)[] = [
  'info',
  'indices',
  'displayed_axes',
  'level',
  'zoom',
  'center',
  'colormap',
  'contrast',
  'gamma',
  'composite',
  'channels',
  'height',
  'error'
];

export interface IViewerOptions {
  /** Called when the user picks an array of a group that is not an image (a 422 answer). */
  onPickArray?: (array: string) => void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text) {
    node.textContent = text;
  }
  return node;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/**
 * The viewer: fetches tiles of the plane in view at the level the zoom needs (coarsest first),
 * caches them, draws them, and keeps the model in step with what the user does.
 */
export class Viewer {
  readonly root: HTMLDivElement;
  private _stage: HTMLDivElement;
  private _canvas: HTMLCanvasElement;
  private _renderer: Renderer;
  private _panel: ControlPanel;
  private _scaleBar: HTMLDivElement;
  private _readout: HTMLDivElement;
  private _levelBadge: HTMLDivElement;
  private _message: HTMLDivElement;
  private _info: IDatasetInfo | null = null;
  private _refs: LevelRef[] = [];
  private _axes: { row: number; col: number; sliders: string[] } = { row: 0, col: 1, sliders: [] };
  private _center: [number, number] = [0, 0];
  private _zoom = 1;
  private _fitted = false;
  private _cache: TileCache<ILoaded>;
  private _inFlight = new Map<string, AbortController>();
  private _failed = new Map<string, number>();
  private _frame = 0;
  private _disposed = false;
  private _saveTimer: ReturnType<typeof setTimeout> | null = null;
  private _statsTimer: ReturnType<typeof setTimeout> | null = null;
  private _playTimer: ReturnType<typeof setInterval> | null = null;
  private _lastAxis: string | null = null;
  private _autoPending = false;
  private _resize: ResizeObserver | null = null;
  private _listeners: [string, () => void][] = [];
  private _error = '';
  private _fillingDefaults = false;

  constructor(
    private readonly _el: HTMLElement,
    private readonly _model: ViewModel,
    private readonly _transport: Transport,
    private readonly _options: IViewerOptions = {}
  ) {
    this.root = el('div', 'zarrview');
    this.root.tabIndex = 0;
    this.root.dataset.state = 'loading';
    this._stage = el('div', 'zarrview-stage');
    this._canvas = el('canvas', 'zarrview-canvas');
    this._scaleBar = el('div', 'zarrview-scalebar');
    this._readout = el('div', 'zarrview-readout');
    this._levelBadge = el('div', 'zarrview-level');
    this._message = el('div', 'zarrview-message');
    const buttons = el('div', 'zarrview-zoom');
    for (const [text, title, action] of [
      ['+', 'Zoom in (+)', () => this._zoomBy(2)],
      ['−', 'Zoom out (-)', () => this._zoomBy(0.5)],
      ['⤢', 'Fit (f)', () => this._fit(true)]
    ] as [string, string, () => void][]) {
      const button = el('button', 'zarrview-button', text);
      button.title = title;
      button.setAttribute('aria-label', title);
      button.addEventListener('click', action);
      buttons.append(button);
    }
    this._stage.append(this._canvas, this._scaleBar, this._readout, this._levelBadge, buttons, this._message);
    this._panel = new ControlPanel({
      setIndex: (axis, index) => this._setIndex(axis, index),
      setDisplayed: axes => this._set('displayed_axes', axes),
      togglePlay: axis => this._togglePlay(axis),
      update: (key, value) => this._set(key, value),
      autoContrast: () => void this._autoContrast(true)
    });
    this.root.append(this._stage, this._panel.node);
    this._el.append(this.root);

    this._renderer = GlRenderer.create(this._canvas) ?? new CanvasRenderer(this._canvas);
    this.root.dataset.renderer = this._renderer.kind;
    this._cache = new TileCache<ILoaded>(CACHE_BYTES, loaded => this._renderer.release(loaded.stack));

    for (const key of STATE_KEYS) {
      const callback = () => this._onModelChange(key);
      this._model.on(`change:${key}`, callback);
      this._listeners.push([`change:${key}`, callback]);
    }
    this._bindInput();
    this._resize = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => this._onResize());
    this._resize?.observe(this._stage);
    this._onResize();
    void this._start();
  }

  // -- set-up -----------------------------------------------------------------------------
  private async _start(): Promise<void> {
    if (this._model.get('error')) {
      this._showError(this._model.get('error'));
      return;
    }
    if (!this._model.get('info')) {
      try {
        const answer = await this._transport.request('info', {});
        if (answer.status !== 200) {
          throw ProtocolError.fromAnswer(answer);
        }
        this._model.set('info', answer.json as IDatasetInfo);
        this._model.save_changes();
      } catch (error) {
        this._showError(error);
        return;
      }
    }
    this._useInfo();
  }

  private _useInfo(): void {
    const info = this._model.get('info');
    if (!info) {
      return;
    }
    const changed = this._info?.version !== info.version;
    this._info = info;
    if (changed) {
      this._dropTiles();
    }
    this._showError(this._model.get('error') || null);
    this._applyHeight();
    this._fillDefaults(info);
    this._layoutAxes();
    if (!this._fitted) {
      const zoom = this._model.get('zoom');
      const center = this._model.get('center');
      if (zoom && center) {
        this._zoom = zoom;
        this._center = [center[0], center[1]];
        this._fitted = true;
      } else {
        this._fit(false);
      }
    }
    void this._autoContrast(false);
    this._render();
  }

  /** Indices, displayed axes and channel settings the data suggests, where the model has none. */
  private _fillDefaults(info: IDatasetInfo): void {
    // Each default set below fires its change handler at once, some of which ask for
    // auto-contrast: asked before the indices are filled in, it would measure plane 0 rather than
    // the plane shown. `_useInfo` asks once everything is in place.
    this._fillingDefaults = true;
    try {
      this._fillDefaultsNow(info);
    } finally {
      this._fillingDefaults = false;
    }
  }

  private _fillDefaultsNow(info: IDatasetInfo): void {
    const names = info.axes.map(a => a.name);
    const shape = info.levels[0]?.shape ?? [];
    let displayed = this._model.get('displayed_axes');
    if (displayed.length !== 2 || !displayed.every(a => names.includes(a))) {
      const candidates = names.filter((_, i) => i !== info.channel_axis);
      displayed = candidates.slice(-2);
      if (displayed.length < 2) {
        displayed = names.slice(-2);
      }
      this._model.set('displayed_axes', displayed);
    }
    const indices = { ...this._model.get('indices') };
    let changed = false;
    names.forEach((name, i) => {
      if (displayed.includes(name)) {
        return;
      }
      const size = shape[i] ?? 1;
      const current = indices[name];
      if (current === undefined || current >= size || current < 0) {
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
        indices[name] = Math.min(size - 1, Math.max(0, index));
        changed = true;
      }
    });
    if (changed) {
      this._model.set('indices', indices);
    }
    if (info.channel_axis !== null && this._model.get('channels').length !== info.channels.length) {
      const channels: IChannelState[] = info.channels.map(c => {
        const w = c.window;
        const fromOme = w.start < w.end && (w.start !== w.min || w.end !== w.max);
        return { label: c.label, color: c.color, visible: c.active, contrast: fromOme ? [w.start, w.end] : null };
      });
      this._model.set('channels', channels);
    }
    this._model.save_changes();
  }

  private _layoutAxes(): void {
    const info = this._info;
    if (!info) {
      return;
    }
    const names = info.axes.map(a => a.name);
    const displayed = this._model.get('displayed_axes');
    const row = Math.max(0, names.indexOf(displayed[0] ?? ''));
    const col = Math.max(0, names.indexOf(displayed[1] ?? ''));
    const composite = this._composite();
    const sliders = names.filter((_name, i) => i !== row && i !== col && !(composite && i === info.channel_axis));
    const moved = row !== this._axes.row || col !== this._axes.col;
    this._axes = { row, col, sliders };
    this._refs = levelRefs(info, row, col);
    if (moved && this._fitted) {
      this._fit(true);
    }
  }

  private _composite(): boolean {
    return !!this._info && this._info.channel_axis !== null && this._model.get('composite');
  }

  // -- view geometry ------------------------------------------------------------------------
  private _size(): [number, number] {
    return [Math.max(1, this._stage.clientWidth), Math.max(1, this._stage.clientHeight)];
  }

  private _extent(): [number, number] {
    const shape = this._info?.levels[0]?.shape ?? [1, 1];
    return [shape[this._axes.row] ?? 1, shape[this._axes.col] ?? 1];
  }

  private _fit(save: boolean): void {
    const [w, h] = this._size();
    const [rows, cols] = this._extent();
    this._zoom = Math.min(w / cols, h / rows);
    this._center = [rows / 2, cols / 2];
    this._fitted = true;
    if (save) {
      this._saveView();
    }
    this._render();
  }

  private _zoomBy(factor: number, at?: [number, number]): void {
    const [w, h] = this._size();
    const anchor = at ?? [h / 2, w / 2];
    const before = this._toData(anchor);
    this._zoom = Math.min(256, Math.max(1e-4, this._zoom * factor));
    const after = this._toData(anchor);
    this._center = [this._center[0] + before[0] - after[0], this._center[1] + before[1] - after[1]];
    this._saveView();
    this._render();
  }

  /** Screen (row, col) in CSS pixels to level-0 data coordinates. */
  private _toData([y, x]: [number, number]): [number, number] {
    const [w, h] = this._size();
    return [this._center[0] + (y - h / 2) / this._zoom, this._center[1] + (x - w / 2) / this._zoom];
  }

  private _saveView(): void {
    if (this._saveTimer) {
      clearTimeout(this._saveTimer);
    }
    // Throttled: a drag would otherwise send a message per mouse move.
    this._saveTimer = setTimeout(() => {
      this._saveTimer = null;
      this._model.set('zoom', this._zoom);
      this._model.set('center', [this._center[0], this._center[1]]);
      this._model.save_changes();
    }, 120);
  }

  private _onResize(): void {
    const [w, h] = this._size();
    const dpr = window.devicePixelRatio || 1;
    this._renderer.resize(Math.round(w * dpr), Math.round(h * dpr));
    // `zoom: null` means "fit the plane": until someone zooms or pans, the view keeps fitting
    // the stage as it changes size (the controls filling in under it, a side bar opening), but
    // not a hidden one (a tab in the background has no size to fit).
    const shown = this._stage.clientWidth > 0 && this._stage.clientHeight > 0;
    if (shown && this._fitted && !this._saveTimer && this._model.get('zoom') === null) {
      this._fit(false);
      return;
    }
    this._render();
  }

  // -- model ------------------------------------------------------------------------------
  private _set<K extends keyof ViewState & string>(key: K, value: ViewState[K]): void {
    this._model.set(key, value);
    this._model.save_changes();
  }

  private _setIndex(axis: string, index: number): void {
    this._lastAxis = axis;
    this._set('indices', { ...this._model.get('indices'), [axis]: index });
  }

  private _onModelChange(key: keyof ViewState & string): void {
    switch (key) {
      case 'info':
        this._useInfo();
        return;
      case 'error':
        this._showError(this._model.get('error') || null);
        return;
      case 'zoom':
      case 'center': {
        const zoom = this._model.get('zoom');
        const center = this._model.get('center');
        if (this._saveTimer) {
          return; // our own change, on its way out
        }
        if (zoom === null || center === null) {
          this._fit(false);
        } else if (zoom !== this._zoom || center[0] !== this._center[0] || center[1] !== this._center[1]) {
          this._zoom = zoom;
          this._center = [center[0], center[1]];
        }
        break;
      }
      case 'displayed_axes':
      case 'composite':
        this._layoutAxes();
        void this._autoContrast(false);
        break;
      case 'indices':
        this._scheduleStats();
        break;
      case 'contrast':
      case 'channels':
        if (this._model.get(key) === null) {
          void this._autoContrast(false);
        }
        break;
      case 'height':
        this._applyHeight();
        break;
      default:
        break;
    }
    this._render();
  }

  private _applyHeight(): void {
    this._stage.style.height = `${this._model.get('height')}px`;
  }

  // -- data -------------------------------------------------------------------------------
  /** The fixed entries of a selection at a level: slider indices and the channel range. */
  private _fixed(ref: LevelRef): Record<number, number | [number, number]> {
    const info = this._info as IDatasetInfo;
    const out: Record<number, number | [number, number]> = {};
    const indices = this._model.get('indices');
    const base = info.levels[0]?.shape ?? [];
    const here = info.levels[ref.level]?.shape ?? [];
    info.axes.forEach((axis, i) => {
      if (i === this._axes.row || i === this._axes.col) {
        return;
      }
      if (i === info.channel_axis && this._composite()) {
        out[i] = [0, here[i] ?? 1];
        return;
      }
      const index0 = indices[axis.name] ?? 0;
      // Pyramids may downsample z too: the plane at this level that holds level-0's plane.
      const size0 = base[i] ?? 1;
      const size = here[i] ?? 1;
      out[i] = Math.min(size - 1, Math.floor((index0 * size) / size0));
    });
    return out;
  }

  private _tileKey(refIndex: number, tile: TileKey, fixed: Record<number, number | [number, number]>): string {
    return `${this._info?.version}|${refIndex}|${this._axes.row},${this._axes.col}|${JSON.stringify(fixed)}|${tile.row},${tile.col}`;
  }

  private _slicedAxes(): number[] {
    const info = this._info as IDatasetInfo;
    return info.axes
      .map((_, i) => i)
      .filter(i => i === this._axes.row || i === this._axes.col || (i === info.channel_axis && this._composite()));
  }

  private async _fetch(refIndex: number, tile: TileKey, fixed: Record<number, number | [number, number]>, key: string): Promise<void> {
    const info = this._info as IDatasetInfo;
    const ref = this._refs[refIndex] as LevelRef;
    const controller = new AbortController();
    this._inFlight.set(key, controller);
    try {
      const sel = tileSelection(info.axes.length, this._axes.row, this._axes.col, ref, tile, fixed);
      const answer = await this._transport.request('tile', { level: String(ref.level), sel }, controller.signal);
      const decoded = decodeTile(answer);
      const channelAxis = this._composite() ? info.channel_axis : null;
      const stack = toPlaneStack(decoded, this._slicedAxes(), this._axes.row, this._axes.col, channelAxis);
      this._cache.set(key, { stack, bytes: stack.data.byteLength });
      this._failed.delete(key);
    } catch (error) {
      if (isAbort(error)) {
        return;
      }
      if (error instanceof ProtocolError && error.retryable) {
        // A chunk still being written: ask again in a moment.
        this._failed.set(key, performance.now() + 1000);
        setTimeout(() => this._render(), 1000);
      } else {
        this._showError(error);
      }
    } finally {
      if (this._inFlight.get(key) === controller) {
        this._inFlight.delete(key);
      }
      this._render();
    }
  }

  private _dropTiles(): void {
    for (const controller of this._inFlight.values()) {
      controller.abort();
    }
    this._inFlight.clear();
    this._cache.clear();
  }

  // -- drawing ----------------------------------------------------------------------------
  private _render(): void {
    if (this._frame || this._disposed) {
      return;
    }
    this._frame = requestAnimationFrame(() => {
      this._frame = 0;
      this._draw();
    });
  }

  private _mix(): Mix | null {
    const info = this._info as IDatasetInfo;
    const gamma = this._model.get('gamma') || 1;
    if (this._composite()) {
      const channels: Mix['channels'] = [];
      let ready = true;
      this._model.get('channels').forEach((c, i) => {
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
    const contrast = this._model.get('contrast');
    if (!contrast) {
      return null;
    }
    const name = this._model.get('colormap');
    const channels = [{ layer: 0, color: [1, 1, 1] as [number, number, number], low: contrast[0], high: contrast[1] }];
    void info;
    return { mode: 'single', lut: lut(name), gamma, channels, signature: JSON.stringify([name, contrast, gamma]) };
  }

  private _draw(): void {
    const info = this._info;
    if (!info || this._error) {
      return;
    }
    this._applyHeight();
    const [w, h] = this._size();
    const dpr = window.devicePixelRatio || 1;
    const viewport = { center: this._center, zoom: this._zoom, width: w, height: h };
    const fixedLevel = this._model.get('level');
    const target =
      fixedLevel !== null && fixedLevel < info.levels.length
        ? fixedLevel
        : chooseLevel(this._refs, this._zoom, dpr);
    const coarsest = this._refs.length - 1;
    const needed = new Set<string>();
    const wanted: [number, TileKey, Record<number, number | [number, number]>, string][] = [];
    for (const refIndex of target === coarsest ? [target] : [coarsest, target]) {
      const ref = this._refs[refIndex] as LevelRef;
      const fixed = this._fixed(ref);
      for (const tile of tilesInView(ref, refIndex, viewport)) {
        const key = this._tileKey(refIndex, tile, fixed);
        needed.add(key);
        if (!this._cache.has(key)) {
          wanted.push([refIndex, tile, fixed, key]);
        }
      }
    }
    // Requests the user has moved past go; the coarsest level is asked for first.
    for (const [key, controller] of this._inFlight) {
      if (!needed.has(key) && !key.startsWith('prefetch:')) {
        controller.abort();
        this._inFlight.delete(key);
      }
    }
    const now = performance.now();
    for (const [refIndex, tile, fixed, key] of wanted) {
      if (this._inFlight.size >= MAX_IN_FLIGHT) {
        break;
      }
      if (this._inFlight.has(key) || (this._failed.get(key) ?? 0) > now) {
        continue;
      }
      void this._fetch(refIndex, tile, fixed, key);
    }

    const mix = this._mix();
    this._renderer.clear();
    let complete = mix !== null;
    if (mix) {
      // Coarse under fine: while finer tiles load, the coarse ones fill in.
      for (let refIndex = this._refs.length - 1; refIndex >= target; refIndex--) {
        const ref = this._refs[refIndex] as LevelRef;
        const fixed = this._fixed(ref);
        for (const tile of tilesInView(ref, refIndex, viewport)) {
          const key = this._tileKey(refIndex, tile, fixed);
          const loaded = this._cache.get(key);
          if (!loaded) {
            if (refIndex === target) {
              complete = false;
            }
            continue;
          }
          this._renderer.draw(loaded.stack, this._screenRect(ref, tile, dpr), mix);
        }
      }
    }
    this._drawOverlay(target);
    const state = complete ? 'idle' : 'loading';
    this.root.dataset.level = String(this._refs[target]?.level ?? 0);
    this.root.dataset.step = String(this._refs[target]?.step ?? 1);
    if (this.root.dataset.state !== state) {
      this.root.dataset.state = state;
    }
    if (complete) {
      this._prefetch(target, viewport);
    }
    const state_ = this._model;
    this._panel.render(
      {
        info,
        indices: state_.get('indices'),
        displayed_axes: state_.get('displayed_axes'),
        level: state_.get('level'),
        zoom: this._zoom,
        center: this._center,
        colormap: state_.get('colormap'),
        contrast: state_.get('contrast'),
        gamma: state_.get('gamma'),
        composite: state_.get('composite'),
        channels: state_.get('channels'),
        height: state_.get('height'),
        error: state_.get('error')
      },
      info,
      this._axes.sliders,
      [info.axes[this._axes.row]?.name ?? '', info.axes[this._axes.col]?.name ?? '']
    );
  }

  /** Where a tile lands on the canvas, in device pixels, snapped so tiles meet exactly. */
  private _screenRect(ref: LevelRef, tile: TileKey, dpr: number): { x: number; y: number; width: number; height: number } {
    const [w, h] = this._size();
    const [r0, r1] = tileRange(tile.row, ref.size[0], TILE_SIZE);
    const [c0, c1] = tileRange(tile.col, ref.size[1], TILE_SIZE);
    const y0 = (ref.offset[0] + r0 * ref.factor[0] - this._center[0]) * this._zoom + h / 2;
    const y1 = (ref.offset[0] + r1 * ref.factor[0] - this._center[0]) * this._zoom + h / 2;
    const x0 = (ref.offset[1] + c0 * ref.factor[1] - this._center[1]) * this._zoom + w / 2;
    const x1 = (ref.offset[1] + c1 * ref.factor[1] - this._center[1]) * this._zoom + w / 2;
    const X0 = Math.round(x0 * dpr);
    const Y0 = Math.round(y0 * dpr);
    return { x: X0, y: Y0, width: Math.round(x1 * dpr) - X0, height: Math.round(y1 * dpr) - Y0 };
  }

  /** Once the view is complete, the neighbouring planes of the last-moved axis are fetched. */
  private _prefetch(target: number, viewport: { center: [number, number]; zoom: number; width: number; height: number }): void {
    const info = this._info as IDatasetInfo;
    const axis = this._lastAxis ?? this._axes.sliders.find(a => a !== info.axes[info.channel_axis ?? -1]?.name) ?? null;
    if (!axis || this._inFlight.size > 0) {
      return;
    }
    const ref = this._refs[target] as LevelRef;
    const i = info.axes.findIndex(a => a.name === axis);
    const size = info.levels[0]?.shape[i] ?? 1;
    const indices = this._model.get('indices');
    const current = indices[axis] ?? 0;
    const order = this._playTimer ? [1, 2] : [1, -1];
    for (const delta of order) {
      const index = current + delta;
      if (index < 0 || index >= size) {
        continue;
      }
      const saved = indices[axis];
      indices[axis] = index; // read by _fixed below; restored right after
      const fixed = this._fixed(ref);
      indices[axis] = saved as number;
      for (const tile of tilesInView(ref, target, viewport)) {
        const key = this._tileKey(target, tile, fixed);
        if (!this._cache.has(key) && !this._inFlight.has(key) && this._inFlight.size < MAX_IN_FLIGHT) {
          void this._fetch(target, tile, fixed, key);
        }
      }
    }
  }

  private _drawOverlay(target: number): void {
    const info = this._info as IDatasetInfo;
    const ref = this._refs[target];
    this._levelBadge.textContent = ref ? `level ${ref.level}${ref.step > 1 ? ` /${ref.step}` : ''}` : '';
    const axis = info.axes[this._axes.col];
    const scale = info.levels[0]?.scale[this._axes.col] ?? 1;
    const pixelsPerUnit = this._zoom / (scale || 1);
    const { length, pixels } = niceLength(pixelsPerUnit, Math.min(160, this._size()[0] / 3));
    this._scaleBar.style.width = `${pixels}px`;
    this._scaleBar.textContent = length ? formatLength(length, axis?.unit ?? (scale !== 1 ? 'units' : null)) : '';
  }

  // -- contrast ---------------------------------------------------------------------------
  private _planeSelection(level: number): string {
    const info = this._info as IDatasetInfo;
    const shape = info.levels[level]?.shape ?? [];
    const ref = { level, step: 1, factor: [1, 1], size: [1, 1], offset: [0, 0] } as LevelRef;
    const fixed = this._fixed(ref);
    return info.axes
      .map((_, i) => {
        if (i === this._axes.row || i === this._axes.col) {
          return `0:${shape[i] ?? 1}`;
        }
        const value = fixed[i] ?? 0;
        return Array.isArray(value) ? `${value[0]}:${value[1]}` : String(value);
      })
      .join(',');
  }

  private _scheduleStats(): void {
    if (this._statsTimer) {
      clearTimeout(this._statsTimer);
    }
    this._statsTimer = setTimeout(() => void this._autoContrast(false, true), 400);
  }

  /**
   * Asks `stats` of the current plane at the coarsest level; sets contrast limits that are
   * missing (or all of them, when `force`), and draws the histogram.
   */
  private async _autoContrast(force: boolean, histogramOnly = false): Promise<void> {
    const info = this._info;
    if (!info || this._fillingDefaults || (this._autoPending && !force)) {
      return;
    }
    const composite = this._composite();
    const needs = composite ? this._model.get('channels').some(c => c.contrast === null) : this._model.get('contrast') === null;
    if (!force && !needs && !histogramOnly) {
      return;
    }
    this._autoPending = true;
    try {
      const level = info.levels.length - 1;
      const answer = await this._transport.request('stats', { level: String(level), sel: this._planeSelection(level) });
      if (answer.status !== 200) {
        throw ProtocolError.fromAnswer(answer);
      }
      const stats = answer.json as { channels: IStatsChannel[] };
      const limits = (c: IStatsChannel | undefined): [number, number] => {
        const lo = c?.percentiles['0.1'] ?? 0;
        const hi = c?.percentiles['99.9'] ?? 1;
        return hi > lo ? [lo, hi] : [lo, lo + 1];
      };
      if (composite) {
        const channels = this._model.get('channels').map((c, i) =>
          force || (c.contrast === null && !histogramOnly) ? { ...c, contrast: limits(stats.channels[i]) } : c
        );
        if (!histogramOnly || force) {
          this._set('channels', channels);
        }
      } else if (force || (needs && !histogramOnly)) {
        this._set('contrast', limits(stats.channels[0]));
      }
      const shown = stats.channels[0];
      if (shown && shown.histogram.min !== null && shown.histogram.max !== null) {
        this._panel.setHistogram(shown.histogram.counts, [shown.histogram.min, shown.histogram.max], composite ? (this._model.get('channels')[0]?.contrast ?? null) : this._model.get('contrast'));
      }
    } catch (error) {
      if (!isAbort(error)) {
        this._showError(error);
      }
    } finally {
      this._autoPending = false;
      this._render();
    }
  }

  // -- play -------------------------------------------------------------------------------
  private _togglePlay(axis: string): void {
    if (this._playTimer) {
      clearInterval(this._playTimer);
      this._playTimer = null;
      const was = this._panel.playing;
      this._panel.playing = null;
      this._render();
      if (was === axis) {
        return;
      }
    }
    const info = this._info;
    if (!info) {
      return;
    }
    const i = info.axes.findIndex(a => a.name === axis);
    const size = info.levels[0]?.shape[i] ?? 1;
    this._panel.playing = axis;
    this._lastAxis = axis;
    this._playTimer = setInterval(() => {
      // Advance only once the plane is drawn, so playback never skips what it cannot show.
      if (this.root.dataset.state !== 'idle') {
        return;
      }
      const index = ((this._model.get('indices')[axis] ?? 0) + 1) % size;
      this._setIndex(axis, index);
    }, 100);
    this._render();
  }

  // -- input ------------------------------------------------------------------------------
  private _bindInput(): void {
    let drag: { x: number; y: number; center: [number, number] } | null = null;
    this._canvas.addEventListener('pointerdown', event => {
      drag = { x: event.clientX, y: event.clientY, center: [...this._center] as [number, number] };
      this._canvas.setPointerCapture(event.pointerId);
      this.root.focus({ preventScroll: true });
    });
    this._canvas.addEventListener('pointermove', event => {
      if (drag) {
        this._center = [drag.center[0] - (event.clientY - drag.y) / this._zoom, drag.center[1] - (event.clientX - drag.x) / this._zoom];
        this._saveView();
        this._render();
      }
      this._showValue(event);
    });
    const end = () => {
      drag = null;
    };
    this._canvas.addEventListener('pointerup', end);
    this._canvas.addEventListener('pointercancel', end);
    this._canvas.addEventListener('pointerleave', () => {
      this._readout.textContent = '';
    });
    this._canvas.addEventListener(
      'wheel',
      event => {
        event.preventDefault();
        const rect = this._canvas.getBoundingClientRect();
        this._zoomBy(Math.exp(-event.deltaY * 0.0015), [event.clientY - rect.top, event.clientX - rect.left]);
      },
      { passive: false }
    );
    this.root.addEventListener('keydown', event => this._onKey(event));
  }

  private _onKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    if (target.tagName === 'INPUT' && (target as HTMLInputElement).type !== 'range') {
      return;
    }
    const sliders = this._axes.sliders;
    const active = this._panel.activeAxis && sliders.includes(this._panel.activeAxis) ? this._panel.activeAxis : sliders[0];
    const info = this._info;
    const step = (delta: number) => {
      if (!active || !info) {
        return;
      }
      const i = info.axes.findIndex(a => a.name === active);
      const size = info.levels[0]?.shape[i] ?? 1;
      const index = Math.min(size - 1, Math.max(0, (this._model.get('indices')[active] ?? 0) + delta));
      this._panel.activeAxis = active;
      this._setIndex(active, index);
    };
    const handled: Record<string, () => void> = {
      ArrowRight: () => step(1),
      '.': () => step(1),
      ArrowLeft: () => step(-1),
      ',': () => step(-1),
      PageUp: () => step(10),
      PageDown: () => step(-10),
      ArrowUp: () => this._cycleAxis(-1),
      ArrowDown: () => this._cycleAxis(1),
      '+': () => this._zoomBy(2),
      '=': () => this._zoomBy(2),
      '-': () => this._zoomBy(0.5),
      f: () => this._fit(true),
      ' ': () => active && this._togglePlay(active)
    };
    const action = handled[event.key];
    if (action) {
      event.preventDefault();
      event.stopPropagation(); // keep JupyterLab's own shortcuts out of the viewer
      action();
    }
  }

  private _cycleAxis(delta: number): void {
    const sliders = this._axes.sliders;
    if (!sliders.length) {
      return;
    }
    const i = sliders.indexOf(this._panel.activeAxis ?? '');
    this._panel.activeAxis = sliders[(i + delta + sliders.length) % sliders.length] ?? null;
    this._render();
  }

  /** The value under the cursor, every channel, from the finest tile drawn there. */
  private _showValue(event: PointerEvent): void {
    const info = this._info;
    if (!info) {
      return;
    }
    const rect = this._canvas.getBoundingClientRect();
    const [r, c] = this._toData([event.clientY - rect.top, event.clientX - rect.left]);
    const [rows, cols] = this._extent();
    if (r < 0 || c < 0 || r >= rows || c >= cols) {
      this._readout.textContent = '';
      return;
    }
    for (let refIndex = 0; refIndex < this._refs.length; refIndex++) {
      const ref = this._refs[refIndex] as LevelRef;
      const dr = Math.floor((r - ref.offset[0]) / ref.factor[0]);
      const dc = Math.floor((c - ref.offset[1]) / ref.factor[1]);
      const tile = { ref: refIndex, row: Math.floor(dr / TILE_SIZE), col: Math.floor(dc / TILE_SIZE) };
      const loaded = this._cache.get(this._tileKey(refIndex, tile, this._fixed(ref)));
      if (!loaded) {
        continue;
      }
      const { stack } = loaded;
      const offset = (dr - tile.row * TILE_SIZE) * stack.width + (dc - tile.col * TILE_SIZE);
      const values: string[] = [];
      for (let ch = 0; ch < stack.channels; ch++) {
        const v = stack.data[ch * stack.width * stack.height + offset];
        values.push(v === undefined ? '' : String(Math.round(v * 1e4) / 1e4));
      }
      const rowName = info.axes[this._axes.row]?.name ?? 'row';
      const colName = info.axes[this._axes.col]?.name ?? 'col';
      this._readout.textContent = `${rowName} ${Math.floor(r)}, ${colName} ${Math.floor(c)}: ${values.join(' | ')}`;
      return;
    }
  }

  // -- errors -----------------------------------------------------------------------------
  private _showError(error: unknown): void {
    if (error === null || error === '') {
      this._error = '';
      this._message.replaceChildren();
      this._message.hidden = true;
      this.root.classList.remove('zarrview-has-error');
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this._error = message;
    this._message.hidden = false;
    this._message.replaceChildren(el('div', 'zarrview-error', message));
    this.root.classList.add('zarrview-has-error');
    this.root.dataset.state = 'error';
    if (error instanceof ProtocolError && error.status === 422 && Array.isArray(error.body.children)) {
      const list = el('ul', 'zarrview-children');
      for (const child of error.body.children as { path: string; kind: string; shape: number[] }[]) {
        const item = el('li', '');
        const button = el('button', 'zarrview-button', `${child.path} (${child.kind}, ${child.shape.join('×')})`);
        button.disabled = !this._options.onPickArray;
        button.addEventListener('click', () => this._options.onPickArray?.(child.path));
        item.append(button);
        list.append(item);
      }
      this._message.append(list);
    }
  }

  dispose(): void {
    this._disposed = true;
    if (this._frame) {
      cancelAnimationFrame(this._frame);
    }
    for (const timer of [this._saveTimer, this._statsTimer]) {
      if (timer) {
        clearTimeout(timer);
      }
    }
    if (this._playTimer) {
      clearInterval(this._playTimer);
    }
    for (const [event, callback] of this._listeners) {
      this._model.off(event as `change:${keyof ViewState & string}`, callback);
    }
    this._resize?.disconnect();
    this._dropTiles();
    this._renderer.dispose();
    this.root.remove();
  }
}
