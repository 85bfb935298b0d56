/** The document registry's names for Zarr stores, shared by the plugins that register and use them. */
export const FileTypes = {
  /** A `.zarr` (or `.ome.zarr`) folder. */
  folder: 'zarr',
  /** A `.zarr.zip` file: a whole store in one zip. */
  zip: 'zarr-zip'
} as const;

/** The widget factory that shows a `.zarr.zip` file in the viewer, as "Open With" lists it. */
export const ZARR_VIEW_FACTORY = 'ZarrView';
