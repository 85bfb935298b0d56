import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { TileScheduler, type ITileJob } from '../src/viewer/tileScheduler';

/** Jobs that resolve or fail when the test says, and count how often each key was started. */
class Jobs {
  starts = new Map<string, number>();
  private _settle = new Map<string, { resolve: () => void; reject: (e: unknown) => void; signal: AbortSignal }>();

  job(key: string): ITileJob {
    return {
      key,
      run: signal =>
        new Promise<void>((resolve, reject) => {
          this.starts.set(key, (this.starts.get(key) ?? 0) + 1);
          this._settle.set(key, { resolve, reject, signal });
          signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        })
    };
  }

  jobs(...keys: string[]): ITileJob[] {
    return keys.map(k => this.job(k));
  }

  aborted(key: string): boolean {
    return this._settle.get(key)?.signal.aborted ?? false;
  }

  finish(key: string): void {
    this._settle.get(key)?.resolve();
  }

  fail(key: string, error: unknown): void {
    this._settle.get(key)?.reject(error);
  }
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('TileScheduler', () => {
  let jobs: Jobs;
  let wakes: number;
  let errors: unknown[];
  let scheduler: TileScheduler;

  beforeEach(() => {
    jobs = new Jobs();
    wakes = 0;
    errors = [];
    scheduler = new TileScheduler({ maxInFlight: 2, wake: () => wakes++, onError: e => errors.push(e) });
  });

  it('starts on-screen tiles first, within the budget', () => {
    scheduler.update(jobs.jobs('a', 'b', 'c'), jobs.jobs('ahead'));
    expect([...jobs.starts.keys()]).toEqual(['a', 'b']);
    expect(scheduler.inFlight).toBe(2);
  });

  it('reads ahead only once the screen is served, and never twice the same tile', async () => {
    // A frame loop: every end of a request draws a frame, which plans again with the same wants.
    const frame = () => scheduler.update([], jobs.jobs('z16', 'z14'));
    frame();
    expect(jobs.starts.get('z16')).toBe(1);
    jobs.finish('z16');
    await flush();
    frame();
    jobs.finish('z14');
    await flush();
    for (let i = 0; i < 50; i++) {
      frame();
      await flush();
    }
    expect(jobs.starts.get('z16')).toBe(1);
    expect(jobs.starts.get('z14')).toBe(1);
    expect(scheduler.started).toBe(2);
  });

  it('does not restart a read-ahead that the next frame still wants', async () => {
    scheduler.update([], jobs.jobs('z16', 'z14'));
    for (let i = 0; i < 20; i++) {
      scheduler.update([], jobs.jobs('z16', 'z14'));
    }
    expect(jobs.aborted('z16')).toBe(false);
    expect(scheduler.started).toBe(2);
  });

  it('drops a read-ahead on a jump and does not ask for it again', async () => {
    scheduler.update([], jobs.jobs('z16'));
    scheduler.update(jobs.jobs('z30'), []); // the user jumped to z 30
    expect(jobs.aborted('z16')).toBe(true);
    await flush();
    scheduler.update([], jobs.jobs('z16'));
    expect(jobs.starts.get('z16')).toBe(1);
  });

  it('gives a read-ahead slot up to an on-screen tile', () => {
    scheduler.update([], jobs.jobs('r1', 'r2'));
    scheduler.update(jobs.jobs('shown'), jobs.jobs('r1', 'r2'));
    expect(jobs.starts.get('shown')).toBe(1);
    expect(jobs.aborted('r1') || jobs.aborted('r2')).toBe(true);
  });

  it('keeps a read-ahead that comes on screen, rather than asking again', () => {
    scheduler.update([], jobs.jobs('z16'));
    scheduler.update(jobs.jobs('z16'), []); // the user stepped to z 16
    expect(jobs.aborted('z16')).toBe(false);
    expect(jobs.starts.get('z16')).toBe(1);
  });

  it('aborts on-screen tiles the view has moved past', () => {
    scheduler.update(jobs.jobs('a'), []);
    scheduler.update(jobs.jobs('b'), []);
    expect(jobs.aborted('a')).toBe(true);
    expect(jobs.starts.get('b')).toBe(1);
  });

  it('reports a failure once and does not ask again on the next frames', async () => {
    scheduler.update(jobs.jobs('a'), []);
    jobs.fail('a', new Error('bad'));
    await flush();
    expect(errors).toHaveLength(1);
    expect(wakes).toBe(1);
  });

  describe('retries', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('retries a tile that is not ready later each time, then leaves it alone', async () => {
      let now = 0;
      scheduler = new TileScheduler({
        maxInFlight: 2,
        wake: () => wakes++,
        onError: e => errors.push(e),
        now: () => now,
        retryMs: 100,
        maxAttempts: 3
      });
      const notReady = Object.assign(new Error('chunk being written'), { retryable: true });
      const frame = () => scheduler.update(jobs.jobs('a'), []);
      frame();
      for (const wait of [100, 200]) {
        jobs.fail('a', notReady);
        await vi.advanceTimersByTimeAsync(0);
        const before = jobs.starts.get('a');
        now += wait - 1;
        frame(); // too early: nothing starts
        expect(jobs.starts.get('a')).toBe(before);
        now += 1;
        await vi.advanceTimersByTimeAsync(wait);
        frame();
        expect(jobs.starts.get('a')).toBe((before ?? 0) + 1);
      }
      jobs.fail('a', notReady);
      await vi.advanceTimersByTimeAsync(0);
      now += 10_000;
      await vi.advanceTimersByTimeAsync(10_000);
      frame();
      expect(jobs.starts.get('a')).toBe(3);
      expect(errors).toEqual([]);
      expect(vi.getTimerCount()).toBe(0); // nothing left ticking
    });

    it('asks a waiting tile again at once when the data tells of a change', async () => {
      const now = 0;
      scheduler = new TileScheduler({ maxInFlight: 2, wake: () => wakes++, onError: e => errors.push(e), now: () => now, retryMs: 1000 });
      const notReady = Object.assign(new Error('chunk being written'), { retryable: true });
      scheduler.update(jobs.jobs('a'), []);
      jobs.fail('a', notReady);
      await vi.advanceTimersByTimeAsync(0);
      scheduler.update(jobs.jobs('a'), []);
      expect(jobs.starts.get('a')).toBe(1); // waiting its second
      scheduler.retryNow();
      scheduler.update(jobs.jobs('a'), []);
      expect(jobs.starts.get('a')).toBe(2);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
