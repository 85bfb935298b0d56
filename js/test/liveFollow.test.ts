import { describe, expect, it } from 'vitest';

import type { Transport } from '../src/protocol/answer';
import { LiveFollow } from '../src/viewer/liveFollow';
import type { ViewModel } from '../src/viewer/viewModel';
import type { IDatasetInfo, ViewState } from '../src/viewer/viewState';

function info(t: number): IDatasetInfo {
  return {
    axes: [{ name: 't' }, { name: 'y' }, { name: 'x' }],
    levels: [{ shape: [t, 64, 64] }]
  } as unknown as IDatasetInfo;
}

function follower(indices: Record<string, number>) {
  const state: Partial<ViewState> = { indices, live: true };
  const model = {
    get: (k: keyof ViewState) => state[k],
    set: (k: keyof ViewState, v: unknown) => {
      (state as Record<string, unknown>)[k] = v;
    },
    save_changes: () => undefined,
    on: () => undefined,
    off: () => undefined
  } as unknown as ViewModel;
  let current: IDatasetInfo | null = info(4);
  const live = new LiveFollow({
    model,
    transport: { request: async () => ({ status: 200 }) } as unknown as Transport,
    root: { dataset: {} } as HTMLElement,
    badge: { addEventListener: () => undefined, setAttribute: () => undefined } as unknown as HTMLButtonElement,
    info: () => current,
    invalidate: () => undefined,
    invalidateAll: () => undefined,
    pixelsChanged: () => undefined,
    render: () => undefined
  });
  return {
    live,
    state,
    grow(from: number, to: number) {
      current = info(to);
      const moved = live.follow(info(from), info(to), state.indices as Record<string, number>);
      if (moved) {
        state.indices = moved;
      }
      return moved;
    }
  };
}

describe('LiveFollow', () => {
  it('follows the end of a growing axis, and leaves a slider elsewhere', () => {
    const end = follower({ t: 3 });
    expect(end.grow(4, 5)).toEqual({ t: 4 });
    const middle = follower({ t: 1 });
    expect(middle.grow(4, 5)).toBeNull();
  });

  it('clamps an index past the end of an axis that shrank', () => {
    const f = follower({ t: 3 });
    expect(f.grow(4, 2)).toEqual({ t: 1 });
  });

  it('waits on a followed plane until it is drawn, then jumps to the newest', () => {
    const f = follower({ t: 3 });
    expect(f.grow(4, 5)).toEqual({ t: 4 }); // plane 4, not drawn yet
    expect(f.grow(5, 6)).toBeNull(); // plane 5 arrives first: the view stays on 4
    expect(f.grow(6, 7)).toBeNull();
    f.live.drawn(false, true);
    expect(f.state.indices).toEqual({ t: 4 });
    expect(f.live.heldTargets()).toEqual([{ axis: 't', delta: 2 }]); // the newest, 6, is fetched
    f.live.drawn(true, false); // 4 is on screen, 6 not here yet: the view stays on 4
    expect(f.state.indices).toEqual({ t: 4 });
    f.live.drawn(true, true); // 6 is here: on to it
    expect(f.state.indices).toEqual({ t: 6 });
  });

  it('moves on to the plane it fetched meanwhile, not one newer whose fetch would start over', () => {
    const f = follower({ t: 3 });
    f.grow(4, 5); // on 4, not drawn yet
    f.grow(5, 6);
    expect(f.live.heldTargets()).toEqual([{ axis: 't', delta: 1 }]); // plane 5 is fetched
    f.grow(6, 8); // 6 and 7 arrive: plane 5 stays the one fetched
    expect(f.live.heldTargets()).toEqual([{ axis: 't', delta: 1 }]);
    f.live.drawn(true, true); // 4 drawn and 5 here: on to 5, still held (7 is the newest)
    expect(f.state.indices).toEqual({ t: 5 });
    expect(f.live.heldTargets()).toEqual([{ axis: 't', delta: 2 }]); // now 7 is fetched
    f.live.drawn(true, true);
    expect(f.state.indices).toEqual({ t: 7 });
    expect(f.live.heldTargets()).toEqual([]);
  });

  it('a slider the user moves follows no more', () => {
    const f = follower({ t: 3 });
    f.grow(4, 5);
    f.grow(5, 6);
    f.live.heldTargets();
    f.live.released('t');
    f.live.drawn(true, true);
    expect(f.state.indices).toEqual({ t: 4 });
  });
});
