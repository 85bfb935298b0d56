import type { Transport } from '../protocol/answer';
import { ProtocolError } from '../protocol/protocolError';
import { Camera } from './camera';
import { Playback } from './playback';
import { handleKey } from './viewerKeys';
import { imageMix } from './imageMix';
import { AutoContrast } from './autoContrast';
import { ControlPanel } from './controlPanel';
import { el } from './dom';
import { MessageBox } from './messageBox';
import { fillDefaults } from './viewDefaults';
import { bindInput } from './input';
import { FrameGate, type IDrawCall } from './frameGate';
import { ImageLayer, structureKey, type IImageTile, type IPlaneLayout } from './layers/imageLayer';
import { LabelControls } from './labels/labelControls';
import { LabelSet, type ILabelFrame } from './labels/labelSet';
import { LiveFollow } from './liveFollow';
import { chooseLevel, levelRefs, type LevelRef } from './levels';
import type { Mix, Renderer } from './renderer';
import { createRenderer } from './rendererChoice';
import { PlateOverlay } from './plateOverlay';
import { StageOverlay } from './stageOverlay';
import type { Viewport } from './tileGrid';
import { TileScheduler } from './tileScheduler';
import type { ViewModel } from './viewModel';
import type { IDatasetInfo, ViewState } from './viewState';

const MAX_IN_FLIGHT = 6;
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
  'error',
  'live',
  'labels'
];

export interface IViewerOptions {
  /** Called when the user picks an array of a group that is not an image (a 422 answer). */
  onPickArray?: (array: string) => void;
}

/**
 * The viewer: a camera over a stack of layers (today the image), one frame loop that plans what
 * to fetch and draws what is here, and the model kept in step with what the user does. Tiles are
 * fetched by a scheduler with one budget for every layer; an idle view asks for nothing.
 */
export class Viewer {
  readonly root: HTMLDivElement;
  private _stage: HTMLDivElement;
  private _canvas: HTMLCanvasElement;
  private _renderer: Renderer;
  private _panel: ControlPanel;
  private _overlay = new StageOverlay();
  private _plate = new PlateOverlay();
  private _messages: MessageBox;
  private _camera: Camera;
  private _image: ImageLayer;
  private _scheduler: TileScheduler;
  private _info: IDatasetInfo | null = null;
  private _structure = '';
  private _refs: LevelRef[] = [];
  private _axes: { row: number; col: number; sliders: string[] } = { row: 0, col: 1, sliders: [] };
  private _frame = 0;
  private _disposed = false;
  private _saveTimer: ReturnType<typeof setTimeout> | null = null;
  private _playback: Playback;
  private _lastAxis: string | null = null;
  private _contrast: AutoContrast;
  private _resize: ResizeObserver | null = null;
  private _listeners: [string, () => void][] = [];
  private _unbindInput: () => void;
  private _error = '';
  private _fillingDefaults = false;
  private _live: LiveFollow;
  private _gate = new FrameGate();
  private _labels: LabelSet;
  private _labelControls: LabelControls;
  private _holdTimer: ReturnType<typeof setTimeout> | null = null;

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
    this._messages = new MessageBox(this._options.onPickArray);
    const liveBadge = el('button', 'zarrview-live');
    this._camera = new Camera(() => [Math.max(1, this._stage.clientWidth), Math.max(1, this._stage.clientHeight)]);
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
    this._stage.append(this._canvas, this._plate.node, ...this._overlay.nodes, liveBadge, buttons, this._messages.node);
    this._panel = new ControlPanel({
      setIndex: (axis, index) => this._setIndex(axis, index),
      setDisplayed: axes => this._set('displayed_axes', axes),
      togglePlay: axis => this._togglePlay(axis),
      update: (key, value) => this._set(key, value),
      autoContrast: () => void this._contrast.run(true)
    });
    this._playback = new Playback({
      idle: () => this.root.dataset.state === 'idle',
      size: axis => this._axisSize(axis),
      index: axis => this._model.get('indices')[axis] ?? 0,
      setIndex: (axis, index) => this._setIndex(axis, index),
      changed: axis => {
        this._panel.playing = axis;
        if (axis) {
          this._lastAxis = axis;
        }
        this._render();
      }
    });
    this._labelControls = new LabelControls((name, change) => {
      const labels = this._model.get('labels').map(l => (l.name === name ? { ...l, ...change } : l));
      this._set('labels', labels);
    });
    this.root.append(this._stage, this._panel.node, this._labelControls.node);
    this._el.append(this.root);

    this._renderer = createRenderer(this._canvas);
    this.root.dataset.renderer = this._renderer.kind;
    this._image = new ImageLayer(this._transport, this._renderer);
    this._labels = new LabelSet({ model: this._model, transport: this._transport, renderer: this._renderer, render: () => this._render() });
    this._contrast = new AutoContrast({
      model: this._model,
      transport: this._transport,
      info: () => this._info,
      composite: () => this._composite(),
      planeSelection: level => this._planeSelection(level),
      ready: () => !this._fillingDefaults,
      showHistogram: (counts, range, contrast) => this._panel.setHistogram(counts, range, contrast),
      showError: error => this._showError(error),
      render: () => this._render()
    });
    this._live = new LiveFollow({
      model: this._model,
      transport: this._transport,
      root: this.root,
      badge: liveBadge,
      info: () => this._info,
      invalidate: (level, boxes) => {
        this._image.invalidate(level, boxes);
        this._scheduler.retryNow();
      },
      invalidateAll: () => {
        this._image.invalidateAll();
        this._scheduler.retryNow();
      },
      pixelsChanged: () => this._contrast.schedule(),
      render: () => this._render()
    });
    this._scheduler = new TileScheduler({
      maxInFlight: MAX_IN_FLIGHT,
      wake: () => this._render(),
      // While the store is gone its tiles cannot come: the last picture stays, without an error.
      onError: error => this._live.state !== 'gone' && this._showError(error)
    });

    for (const key of STATE_KEYS) {
      const callback = () => this._onModelChange(key);
      this._model.on(`change:${key}`, callback);
      this._listeners.push([`change:${key}`, callback]);
    }
    this._unbindInput = bindInput({
      canvas: this._canvas,
      root: this.root,
      camera: this._camera,
      moved: () => {
        this._saveView();
        this._render();
      },
      hover: point => {
        this._showValue(point);
        this._plate.hover(this._camera, point && this._camera.toData(point));
      },
      click: point => this._onClick(point),
      key: event =>
        handleKey(event, {
          sliders: () => this._axes.sliders,
          activeAxis: () => this._panel.activeAxis,
          step: (axis, delta) => this._step(axis, delta),
          cycleAxis: delta => this._cycleAxis(delta),
          zoomBy: factor => this._zoomBy(factor),
          fit: () => this._fit(true),
          togglePlay: axis => this._togglePlay(axis)
        })
    });
    this._resize = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => this._onResize());
    this._resize?.observe(this._stage);
    this._onResize();
    void this._start();
  }

  /** Tile requests this view has started: what tests and benchmarks count. */
  get requestsStarted(): number {
    return this._scheduler.started;
  }

  // -- set-up -----------------------------------------------------------------------------
  private async _start(): Promise<void> {
    const failed = this._model.get('error');
    if (failed && this._model.get('info')) {
      this._showError(failed);
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
        // Asked even where the model has an error already: the answer says more (a group that
        // is not an image lists its images and arrays, to pick one).
        this._showError(error instanceof ProtocolError || !failed ? error : failed);
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
    // Tiles are kept across versions of the same structure: a grown array's old planes are
    // still right, and tiles whose chunks changed are marked stale by the live events.
    const structure = structureKey(info);
    if (structure !== this._structure) {
      this._dropTiles();
      this._structure = structure;
    }
    const old = this._info;
    this._info = info;
    if (old && old !== info) {
      const moved = this._live.follow(old, info, this._model.get('indices'));
      if (moved) {
        this._model.set('indices', moved);
      }
    }
    this._showError(this._model.get('error') || null);
    this._applyHeight();
    this._fillDefaults(info);
    this._labels.use(info);
    this._plate.use(info.plate);
    this._layoutAxes();
    if (!this._camera.placed) {
      const zoom = this._model.get('zoom');
      const center = this._model.get('center');
      if (zoom && center) {
        this._camera.place(zoom, [center[0], center[1]]);
      } else {
        this._fit(false);
      }
    }
    void this._contrast.run(false);
    this._live.update();
    this._render();
  }

  /** Indices, displayed axes and channel settings the data suggests, where the model has none. */
  private _fillDefaults(info: IDatasetInfo): void {
    // Each default set below fires its change handler at once, some of which ask for
    // auto-contrast: asked before the indices are filled in, it would measure plane 0 rather than
    // the plane shown. `_useInfo` asks once everything is in place.
    this._fillingDefaults = true;
    try {
      fillDefaults(this._model, info);
    } finally {
      this._fillingDefaults = false;
    }
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
    if (moved && this._camera.placed) {
      this._fit(true);
    }
  }

  private _composite(): boolean {
    return !!this._info && this._info.channel_axis !== null && this._model.get('composite');
  }

  /** What every layer is cut by, as of now. */
  private _layout(): IPlaneLayout {
    return {
      info: this._info as IDatasetInfo,
      structure: this._structure,
      refs: this._refs,
      row: this._axes.row,
      col: this._axes.col,
      composite: this._composite(),
      indices: this._model.get('indices')
    };
  }

  // -- view geometry ------------------------------------------------------------------------
  private _extent(): [number, number] {
    const shape = this._info?.levels[0]?.shape ?? [1, 1];
    return [shape[this._axes.row] ?? 1, shape[this._axes.col] ?? 1];
  }

  private _fit(save: boolean): void {
    this._camera.fit(this._extent());
    if (save) {
      this._saveView();
    }
    this._render();
  }

  private _zoomBy(factor: number): void {
    this._camera.zoomBy(factor);
    this._saveView();
    this._render();
  }

  private _saveView(): void {
    if (this._saveTimer) {
      clearTimeout(this._saveTimer);
    }
    // Throttled: a drag would otherwise send a message per mouse move.
    this._saveTimer = setTimeout(() => {
      // The timer stays set while the two keys are written: their change events are ours, and
      // a zoom seen with the old centre must not move the camera back.
      this._model.set('zoom', this._camera.zoom);
      this._model.set('center', [this._camera.center[0], this._camera.center[1]]);
      this._saveTimer = null;
      this._model.save_changes();
    }, 120);
  }

  private _onResize(): void {
    const [w, h] = this._camera.size;
    const dpr = window.devicePixelRatio || 1;
    this._renderer.resize(Math.round(w * dpr), Math.round(h * dpr));
    this._gate.forget(); // a resized canvas is blank
    // `zoom: null` means "fit the plane": until someone zooms or pans, the view keeps fitting
    // the stage as it changes size (the controls filling in under it, a side bar opening), but
    // not a hidden one (a tab in the background has no size to fit).
    const shown = this._stage.clientWidth > 0 && this._stage.clientHeight > 0;
    if (shown && this._camera.placed && !this._saveTimer && this._model.get('zoom') === null) {
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
    this._live.released(axis);
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
        } else if (zoom !== this._camera.zoom || center[0] !== this._camera.center[0] || center[1] !== this._camera.center[1]) {
          this._camera.place(zoom, [center[0], center[1]]);
        }
        break;
      }
      case 'displayed_axes':
      case 'composite':
        this._layoutAxes();
        void this._contrast.run(false);
        break;
      case 'indices':
        this._contrast.schedule();
        break;
      case 'contrast':
      case 'channels':
        if (this._model.get(key) === null) {
          void this._contrast.run(false);
        }
        break;
      case 'height':
        this._applyHeight();
        break;
      case 'live':
        this._live.update();
        break;
      default:
        break;
    }
    this._render();
  }

  private _applyHeight(): void {
    const height = `${this._model.get('height')}px`;
    if (this._stage.style.height !== height) {
      this._stage.style.height = height;
    }
  }

  private _dropTiles(): void {
    this._scheduler.clear();
    this._image.clear();
    this._labels.clear();
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

  /** The level the camera needs: the model's, if it fixes one. */
  private _target(info: IDatasetInfo): number {
    const fixed = this._model.get('level');
    if (fixed !== null && fixed < info.levels.length) {
      return fixed;
    }
    return chooseLevel(this._refs, this._camera.zoom, window.devicePixelRatio || 1);
  }

  /** The axis to read ahead on, and which planes: the next ones while playing. */
  private _readAheadPlan(): { axis: string; deltas: number[] } | null {
    const info = this._info as IDatasetInfo;
    const channel = info.axes[info.channel_axis ?? -1]?.name;
    const axis = this._lastAxis ?? this._axes.sliders.find(a => a !== channel) ?? null;
    if (!axis || !this._axes.sliders.includes(axis) || this._live.following(axis)) {
      // A view following a growing axis fetches the frame it moves to next (liveFollow.ts);
      // the frames behind it would only take the server's time from the new ones.
      return null;
    }
    return { axis, deltas: this._playback.axis ? [1, 2] : [1, -1] };
  }

  private _draw(): void {
    const info = this._info;
    if (!info || this._error) {
      return;
    }
    this._applyHeight();
    const dpr = window.devicePixelRatio || 1;
    const viewport = this._camera.viewport();
    const target = this._target(info);
    let layout = this._layout();

    const mix = imageMix(this._model, this._composite());
    const { complete: tilesComplete, draws } = this._image.frame(layout, target, this._camera, dpr);
    // Label layers are cut by the image's plane, as it is before following moves it on.
    const labels = this._labels.frame(layout, this._camera, dpr, viewport);
    const complete = mix !== null && tilesComplete && labels.complete;
    this._paint(mix, mix ? draws : [], labels.draws, complete, viewport);
    // Following a growing axis: once this plane is drawn and the one fetched meanwhile is
    // here, the sliders move on to it (liveFollow.ts), and the plan below is for that plane.
    const next = this._live.heldTargets();
    if (next.length) {
      const ready = next.every(({ axis, delta }) => this._image.readAhead(layout, target, viewport, axis, [delta]).length === 0);
      this._live.drawn(complete, ready);
      layout = this._layout();
    } else {
      this._live.drawn(complete, false);
    }
    const visible = [...this._image.missing(layout, target, viewport), ...labels.missing];
    for (const { axis, delta } of this._live.heldTargets()) {
      visible.push(...this._image.readAhead(layout, target, viewport, axis, [delta]));
    }
    // Once the screen is complete, the neighbouring planes of the last-moved axis: a scrub
    // through a chunk slab then costs no more than its chunks.
    const plan = complete ? this._readAheadPlan() : null;
    const ahead = plan ? this._image.readAhead(layout, target, viewport, plan.axis, plan.deltas) : [];
    this._scheduler.update(visible, ahead);

    this._drawOverlay(target);
    this._plate.update(this._camera);
    const state = complete ? 'idle' : 'loading';
    this.root.dataset.level = String(this._refs[target]?.level ?? 0);
    this.root.dataset.step = String(this._refs[target]?.step ?? 1);
    this.root.dataset.requests = String(this._scheduler.started);
    if (this.root.dataset.state !== state) {
      this.root.dataset.state = state;
    }
    // The controls show the camera as it is now, not as last written to the model.
    const now = Object.fromEntries(STATE_KEYS.map(key => [key, this._model.get(key)])) as unknown as ViewState;
    now.zoom = this._camera.zoom;
    now.center = this._camera.center;
    const shown: [string, string] = [info.axes[this._axes.row]?.name ?? '', info.axes[this._axes.col]?.name ?? ''];
    this._panel.render(now, info, this._axes.sliders, shown);
    this._labelControls.render(this._labels.entries);
  }

  /** Puts the frame on the canvas, unless it is what the canvas shows already (see FrameGate). */
  private _paint(mix: Mix | null, draws: IDrawCall<IImageTile>[], labels: ILabelFrame['draws'], complete: boolean, viewport: Viewport): void {
    const view = `${mix?.signature ?? 'none'}|${this._labels.signature()}|${this._canvas.width}x${this._canvas.height}|${viewport.zoom}@${viewport.center[0]},${viewport.center[1]}`;
    const all: IDrawCall[] = [...draws, ...labels];
    const decision = this._gate.decide(view, all, complete, performance.now());
    if (decision.kind === 'same') {
      return;
    }
    if (decision.kind === 'hold') {
      if (!this._holdTimer) {
        this._holdTimer = setTimeout(() => {
          this._holdTimer = null;
          this._render();
        }, decision.ms);
      }
      return;
    }
    this._renderer.clear();
    if (mix) {
      for (const { tile, rect } of draws) {
        this._renderer.draw(tile.stack, rect, mix);
      }
    }
    for (const { tile, rect, opacity } of labels) {
      this._renderer.drawRgba(tile, rect, opacity);
    }
    this._gate.drawn(view, all, complete);
  }

  private _drawOverlay(target: number): void {
    const info = this._info as IDatasetInfo;
    const scale = info.levels[0]?.scale[this._axes.col] ?? 1;
    this._overlay.update(this._refs[target], info.axes[this._axes.col], scale, this._camera.zoom, this._camera.size[0]);
  }

  // -- contrast ---------------------------------------------------------------------------
  private _planeSelection(level: number): string {
    const info = this._info as IDatasetInfo;
    const shape = info.levels[level]?.shape ?? [];
    const ref = { level, step: 1, factor: [1, 1], size: [1, 1], offset: [0, 0] } as LevelRef;
    const fixed = this._image.fixed(this._layout(), ref);
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

  // -- sliders ----------------------------------------------------------------------------
  private _axisSize(axis: string): number {
    const info = this._info;
    const i = info ? info.axes.findIndex(a => a.name === axis) : -1;
    return info?.levels[0]?.shape[i] ?? 1;
  }

  private _togglePlay(axis: string): void {
    if (this._info) {
      this._playback.toggle(axis);
    }
  }

  /** Moves a slider by `delta`, clamped, from the keys. */
  private _step(axis: string, delta: number): void {
    const index = Math.min(this._axisSize(axis) - 1, Math.max(0, (this._model.get('indices')[axis] ?? 0) + delta));
    this._panel.activeAxis = axis;
    this._setIndex(axis, index);
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

  /** A click on a plate's well (or a well's field) opens it, where the host can open things. */
  private _onClick(point: [number, number]): void {
    const [r, c] = this._camera.toData(point);
    const cell = this._plate.cellAt(r, c);
    if (cell && !cell.error) {
      this._options.onPickArray?.(cell.path);
    }
  }

  /** The value under the cursor, every channel, from the finest tile drawn there. */
  private _showValue(point: [number, number] | null): void {
    const info = this._info;
    if (!info || !point) {
      this._overlay.showValue(null);
      return;
    }
    const [row, col] = this._camera.toData(point);
    const [rows, cols] = this._extent();
    if (row < 0 || col < 0 || row >= rows || col >= cols) {
      this._overlay.showValue(null);
      return;
    }
    const layout = this._layout();
    const values = this._image.valueAt(layout, row, col);
    if (!values) {
      return; // nothing drawn there yet: the last value stays until there is
    }
    const rowName = info.axes[this._axes.row]?.name ?? 'row';
    const colName = info.axes[this._axes.col]?.name ?? 'col';
    this._overlay.showValue({ rowName, colName, row, col, values, labels: this._labels.readout(layout, row, col) });
  }

  // -- errors -----------------------------------------------------------------------------
  private _showError(error: unknown): void {
    this._error = this._messages.show(error);
    this.root.classList.toggle('zarrview-has-error', this._error !== '');
    if (this._error) {
      this.root.dataset.state = 'error';
    }
  }

  dispose(): void {
    this._disposed = true;
    if (this._frame) {
      cancelAnimationFrame(this._frame);
    }
    this._contrast.dispose();
    for (const timer of [this._saveTimer, this._holdTimer]) {
      if (timer) {
        clearTimeout(timer);
      }
    }
    this._playback.stop();
    for (const [event, callback] of this._listeners) {
      this._model.off(event as `change:${keyof ViewState & string}`, callback);
    }
    this._unbindInput();
    this._live.dispose();
    this._resize?.disconnect();
    this._dropTiles();
    this._labels.dispose();
    this._renderer.dispose();
    this.root.remove();
  }
}
