import type { Transport } from '../protocol/answer';
import { Viewer, type IViewerOptions } from './viewer';
import type { ViewModel } from './viewModel';

/** Mounts the viewer in `el`; returns what unmounts it. */
export function mountViewer(el: HTMLElement, model: ViewModel, transport: Transport, options: IViewerOptions = {}): () => void {
  const viewer = new Viewer(el, model, transport, options);
  return () => viewer.dispose();
}
