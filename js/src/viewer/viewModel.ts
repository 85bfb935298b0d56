import type { ViewState } from './viewState';

type Key = keyof ViewState & string;

/**
 * What the viewer needs of a model: anywidget's AnyModel in a notebook, a MemoryModel in the
 * JupyterLab panel.
 */
export interface ViewModel {
  get<K extends Key>(key: K): ViewState[K];
  set<K extends Key>(key: K, value: ViewState[K]): void;
  save_changes(): void;
  on(event: `change:${Key}`, callback: () => void): void;
  off(event?: `change:${Key}` | null, callback?: (() => void) | null): void;
}
