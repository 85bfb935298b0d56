/** The protocol's `info` answer (docs/protocol.md). */
export interface IAxisInfo {
  name: string;
  type: string | null;
  unit: string | null;
}

export interface ILevelInfo {
  path: string;
  shape: number[];
  chunks: number[];
  scale: number[];
  translation: number[];
}

export interface IChannelInfo {
  label: string;
  color: string;
  active: boolean;
  inverted: boolean;
  window: { min: number; max: number; start: number; end: number };
}

export interface IDatasetInfo {
  protocol: number;
  name: string;
  kind: string;
  version: string;
  dtype: string;
  fill_value: number | string | boolean | null;
  axes: IAxisInfo[];
  channel_axis: number | null;
  channels: IChannelInfo[];
  levels: ILevelInfo[];
  rdefs: { defaultT?: number; defaultZ?: number; model?: string } | null;
  live: boolean;
}

/** One channel's display settings in composite mode. */
export interface IChannelState {
  label: string;
  color: string;
  visible: boolean;
  contrast: [number, number] | null;
}

/**
 * The view's state: the notebook widget's synced traits, and the JupyterLab panel's model.
 * Typed once here; the Python widget defines the same names.
 */
export interface ViewState {
  info: IDatasetInfo | null;
  indices: Record<string, number>;
  displayed_axes: string[];
  level: number | null;
  zoom: number | null;
  center: [number, number] | null;
  colormap: string;
  contrast: [number, number] | null;
  gamma: number;
  composite: boolean;
  channels: IChannelState[];
  height: number;
  error: string;
  /** Follow the data while it is written (server events); false pauses. */
  live: boolean;
}

export const DEFAULT_STATE: ViewState = {
  info: null,
  indices: {},
  displayed_axes: [],
  level: null,
  zoom: null,
  center: null,
  colormap: 'gray',
  contrast: null,
  gamma: 1,
  composite: true,
  channels: [],
  height: 500,
  error: '',
  live: true
};
