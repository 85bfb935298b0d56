import { DEFAULT_STATE, type ViewState } from './viewState';
import type { ViewModel } from './viewModel';

type Key = keyof ViewState & string;

/** A view model held in memory: the JupyterLab panel's, where no kernel holds the state. */
export class MemoryModel implements ViewModel {
  private _state: ViewState;
  private _listeners = new Map<string, Set<() => void>>();
  private _any = new Set<() => void>();

  constructor(initial: Partial<ViewState> = {}) {
    this._state = { ...DEFAULT_STATE, ...initial };
  }

  get<K extends Key>(key: K): ViewState[K] {
    return this._state[key];
  }

  set<K extends Key>(key: K, value: ViewState[K]): void {
    if (Object.is(this._state[key], value)) {
      return;
    }
    this._state = { ...this._state, [key]: value };
    for (const callback of this._listeners.get(`change:${key}`) ?? []) {
      callback();
    }
    for (const callback of this._any) {
      callback();
    }
  }

  save_changes(): void {
    // Nothing to send anywhere: the state lives here.
  }

  on(event: string, callback: () => void): void {
    let set = this._listeners.get(event);
    if (!set) {
      set = new Set();
      this._listeners.set(event, set);
    }
    set.add(callback);
  }

  off(event?: string | null, callback?: (() => void) | null): void {
    if (!event) {
      this._listeners.clear();
      return;
    }
    if (callback) {
      this._listeners.get(event)?.delete(callback);
    } else {
      this._listeners.delete(event);
    }
  }

  /** Called after any change; returns a function that stops it. */
  onAnyChange(callback: () => void): () => void {
    this._any.add(callback);
    return () => this._any.delete(callback);
  }

  /** The view's state without the data description, e.g. for links and the layout restorer. */
  snapshot(): Partial<ViewState> {
    const { info: _info, error: _error, ...rest } = this._state;
    return rest;
  }
}
