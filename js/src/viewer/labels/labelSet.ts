import type { Transport } from '../../protocol/answer';
import { ProtocolError } from '../../protocol/protocolError';
import type { Camera } from '../camera';
import type { IDrawCall } from '../frameGate';
import type { IPlaneLayout } from '../layers/tiledLayer';
import { chooseLevel } from '../levels';
import type { Renderer, RgbaTile } from '../renderer';
import type { Viewport } from '../tileGrid';
import type { ITileJob } from '../tileScheduler';
import type { ViewModel } from '../viewModel';
import type { IDatasetInfo, ILabelState } from '../viewState';
import { isLabelDtype } from './labelIds';
import { LabelLayer } from './labelLayer';
import { labelLayout } from './labelLayout';
import { LabelPalette } from './labelPalette';

/** What a label layer starts with: shown, over the image but not hiding it, filled. */
export const DEFAULT_OPACITY = 0.7;

interface IEntry {
  name: string;
  path: string;
  transport: Transport | null;
  info: IDatasetInfo | null;
  layer: LabelLayer | null;
  /** What is wrong with it (its metadata, or its `info` answer): it is listed, not drawn. */
  error: string | null;
  properties: Map<string, Record<string, unknown>>;
}

/** What the label layers need of the viewer. */
export interface ILabelHost {
  readonly model: ViewModel;
  readonly transport: Transport;
  readonly renderer: Renderer;
  /** A label image's description arrived: draw again. */
  render(): void;
}

/** One frame's worth of label drawing. */
export interface ILabelFrame {
  complete: boolean;
  draws: (IDrawCall<RgbaTile> & { opacity: number })[];
  missing: ITileJob[];
}

/**
 * The label images an image lists, as layers over it: each one's description fetched once, its
 * layer drawn with the settings of its entry in the view's `labels` state (filled in for label
 * images the state does not name yet), and the ids under the cursor.
 */
export class LabelSet {
  private _entries: IEntry[] = [];
  private _listed = '';

  constructor(private readonly _host: ILabelHost) {}

  /** What the panel lists: every label image with its settings and what is wrong with it. */
  get entries(): { name: string; error: string | null; state: ILabelState }[] {
    return this._entries.map(e => ({ name: e.name, error: e.error, state: this._state(e.name) }));
  }

  /** Takes the image's description: label images it lists are added, others dropped. */
  use(info: IDatasetInfo): void {
    const listed = info.labels ?? [];
    const key = JSON.stringify(listed);
    if (key === this._listed) {
      return;
    }
    this._listed = key;
    this.clear();
    const forLayer = this._host.transport.forLayer?.bind(this._host.transport);
    this._entries = listed.map(({ name, path, error }) => ({
      name,
      path,
      transport: forLayer && !error ? forLayer(path) : null,
      info: null,
      layer: null,
      error: error ?? (forLayer ? null : 'label images cannot be read over this connection'),
      properties: new Map()
    }));
    this._fillStates();
    for (const entry of this._entries) {
      if (entry.transport) {
        void this._open(entry, entry.transport);
      }
    }
  }

  /** Every visible label layer's tiles for the image's plane, and the ones still to fetch. */
  frame(image: IPlaneLayout, camera: Camera, dpr: number, viewport: Viewport): ILabelFrame {
    const out: ILabelFrame = { complete: true, draws: [], missing: [] };
    for (const entry of this._entries) {
      const state = this._state(entry.name);
      const layout = entry.info && entry.layer && state.visible ? labelLayout(image, entry.info) : null;
      if (!layout || !entry.layer) {
        continue;
      }
      entry.layer.setOutline(state.outline);
      const target = chooseLevel(layout.refs, camera.zoom, dpr);
      const { complete, draws } = entry.layer.frame(layout, target, camera, dpr);
      out.complete = out.complete && complete;
      for (const { tile, rect } of draws) {
        out.draws.push({ tile: entry.layer.colored(tile), rect, opacity: state.opacity });
      }
      out.missing.push(...entry.layer.missing(layout, target, viewport));
    }
    return out;
  }

  /** What the picture's label part depends on besides its tiles: for the frame gate. */
  signature(): string {
    return JSON.stringify(this._entries.map(e => [e.name, e.layer?.style ?? '', this._state(e.name)]));
  }

  /** `name id (its properties)` of every visible label image with a label at (r, c). */
  readout(image: IPlaneLayout, r: number, c: number): string[] {
    const out: string[] = [];
    for (const entry of this._entries) {
      const layout = entry.info && entry.layer && this._state(entry.name).visible ? labelLayout(image, entry.info) : null;
      const id = layout && entry.layer ? entry.layer.idAt(layout, r, c) : null;
      if (id === null || id === 0 || id === '0') {
        continue;
      }
      const properties = entry.properties.get(String(id));
      const said = properties ? Object.entries(properties).filter(([k]) => k !== 'label-value') : [];
      const text = said.map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
      out.push(`${entry.name} ${id}${text ? ` (${text})` : ''}`);
    }
    return out;
  }

  /** Tiles of every label layer are kept no longer (a new structure of the image). */
  clear(): void {
    for (const entry of this._entries) {
      entry.layer?.clear();
    }
  }

  dispose(): void {
    this.clear();
    this._entries = [];
  }

  private _state(name: string): ILabelState {
    const found = this._host.model.get('labels').find(l => l.name === name);
    return found ?? { name, visible: true, opacity: DEFAULT_OPACITY, outline: false };
  }

  /** The view's `labels` gains an entry for each label image it does not name. */
  private _fillStates(): void {
    const states = this._host.model.get('labels');
    const missing = this._entries.filter(e => !states.some(s => s.name === e.name));
    if (missing.length) {
      this._host.model.set('labels', [...states, ...missing.map(e => this._state(e.name))]);
      this._host.model.save_changes();
    }
  }

  private async _open(entry: IEntry, transport: Transport): Promise<void> {
    try {
      const answer = await transport.request('info', {});
      if (answer.status !== 200) {
        throw ProtocolError.fromAnswer(answer);
      }
      const info = answer.json as IDatasetInfo;
      if (!this._entries.includes(entry)) {
        return; // the image changed meanwhile
      }
      if (!isLabelDtype(info.dtype)) {
        entry.error = `${entry.path}: label ids must be integers, not ${info.dtype}`;
      } else {
        const colors = info.image_label?.colors ?? [];
        entry.info = info;
        const palette = new LabelPalette(colors);
        entry.layer = new LabelLayer(transport, this._host.renderer, palette);
        entry.layer.setPalette(palette, JSON.stringify(colors));
        for (const p of info.image_label?.properties ?? []) {
          entry.properties.set(String(p['label-value']), p);
        }
      }
    } catch (error) {
      entry.error = `${entry.path}: ${error instanceof Error ? error.message : String(error)}`;
    }
    this._host.render();
  }
}
