import { LabIcon } from '@jupyterlab/ui-components';

import zarrSvg from '../../style/icons/zarr.svg';

/** Zarr stores in the file browser, and the tabs that show them: a stack of chunked planes. */
export const zarrIcon = new LabIcon({ name: 'jupyter-zarrview:zarr', svgstr: zarrSvg });
