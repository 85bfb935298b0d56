import type { ViewState } from '../viewer/viewState';

/** What a link to a view carries: the data and, optionally, where the view was. */
export interface IViewLink {
  path: string;
  array: string | null;
  state: Partial<ViewState>;
}

/** The query parameters of a link, e.g. `lab?zarrview=runs/a.zarr&zarrview-state={...}`. */
export const LinkParams = {
  path: 'zarrview',
  array: 'zarrview-array',
  state: 'zarrview-state'
} as const;

/** Reads a view link from a URL's query string; null when it carries none. */
export function parseViewLink(search: string): IViewLink | null {
  const params = new URLSearchParams(search);
  const path = params.get(LinkParams.path);
  if (!path) {
    return null;
  }
  let state: Partial<ViewState> = {};
  const raw = params.get(LinkParams.state);
  if (raw) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        state = parsed as Partial<ViewState>;
      }
    } catch {
      // A mangled state still opens the data, at its default view.
      state = {};
    }
  }
  return { path, array: params.get(LinkParams.array), state };
}

/** The query string without the link's parameters, so a reload does not open it twice. */
export function stripViewLink(search: string): string {
  const params = new URLSearchParams(search);
  for (const key of Object.values(LinkParams)) {
    params.delete(key);
  }
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}
