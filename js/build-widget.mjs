// Bundles the notebook widget (and its CSS) into the Python package, with every dependency
// inlined: the widget must load with no network. The JupyterLab extension is built separately
// by `jupyter labextension build` from tsc's output.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';

const outdir = new URL('../jupyter_zarrview/static/', import.meta.url);
await mkdir(outdir, { recursive: true });

await build({
  entryPoints: { widget: 'src/widget/index.ts' },
  bundle: true,
  format: 'esm',
  target: 'es2021',
  minify: true,
  sourcemap: false,
  outdir: outdir.pathname,
  logLevel: 'warning'
});
await build({
  entryPoints: { widget: 'style/index.css' },
  bundle: true,
  minify: true,
  outdir: outdir.pathname,
  logLevel: 'warning'
});
// The colormap table is data the Python side reads too (option checks, pixel tests).
await copyFile(new URL('src/viewer/colormaps.json', import.meta.url), new URL('colormaps.json', outdir));
