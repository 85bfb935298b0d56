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

/** A label image an image lists (OME-NGFF `labels`); `error` names what is wrong with it. */
export interface ILabelEntry {
  name: string;
  /** Relative to the image. */
  path: string;
  error: string | null;
}

/** A label image's own metadata (OME-NGFF `image-label`); ids past 2^53 are decimal strings. */
export interface IImageLabel {
  colors: { 'label-value': number | string; rgba: [number, number, number, number] }[];
  properties: ({ 'label-value': number | string } & Record<string, unknown>)[];
  source: { image?: string } | null;
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
  /** Label images over this image (absent from older servers). */
  labels?: ILabelEntry[];
  /** Set when this is a label image. */
  image_label?: IImageLabel | null;
  /** Metadata that was skipped, each naming what is wrong. */
  problems?: string[];
  /** A plate (or a well) shown as a mosaic of its wells (or fields). */
  plate?: IPlateInfo | null;
}

/** One cell of a plate mosaic: a well (its first field), or a field of a well. */
export interface IPlateCell {
  /** What opens it, relative to the plate (or the well). */
  path: string;
  row: number;
  column: number;
  error: string | null;
}

/** How a mosaic is laid out: cells of `cell` level-0 pixels, named by row and column. */
export interface IPlateInfo {
  name: string | null;
  rows: string[];
  columns: string[];
  wells: IPlateCell[];
  /** A cell's [height, width] in level-0 pixels. */
  cell: [number, number];
}

/** One label layer's display settings. */
export interface ILabelState {
  name: string;
  visible: boolean;
  /** 0..1 */
  opacity: number;
  /** Only the labels' borders are drawn. */
  outline: boolean;
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
  /** The label layers over the image, in drawing order. */
  labels: ILabelState[];
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
  live: true,
  labels: []
};
