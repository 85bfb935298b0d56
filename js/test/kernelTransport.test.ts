import { describe, expect, it } from 'vitest';

import { KernelTransport, type IMessageModel } from '../src/protocol/kernelTransport';
import { MemoryModel } from '../src/viewer/memoryModel';

class FakeModel implements IMessageModel {
  sent: Record<string, unknown>[] = [];
  private _listener: ((content: unknown, buffers: (ArrayBuffer | DataView)[]) => void) | null = null;
  send(content: unknown): void {
    this.sent.push(content as Record<string, unknown>);
  }
  on(_event: 'msg:custom', callback: (content: unknown, buffers: (ArrayBuffer | DataView)[]) => void): void {
    this._listener = callback;
  }
  off(): void {
    this._listener = null;
  }
  reply(content: unknown, buffers: (ArrayBuffer | DataView)[] = []): void {
    this._listener?.(content, buffers);
  }
}

describe('KernelTransport', () => {
  it('matches answers to requests by id, in any order, with the binary buffer', async () => {
    const model = new FakeModel();
    const transport = new KernelTransport(model);
    const first = transport.request('tile', { level: '0', sel: '0,0:2' });
    const second = transport.request('info', {});
    expect(model.sent.map(m => [m.type, m.id, m.op])).toEqual([
      ['zarrview-request', 1, 'tile'],
      ['zarrview-request', 2, 'info']
    ]);
    model.reply({ type: 'zarrview-response', id: 2, status: 200, headers: {}, json: { name: 'a' } });
    const body = new DataView(new Uint8Array([0, 1, 2]).buffer, 1, 2);
    model.reply({ type: 'zarrview-response', id: 1, status: 200, headers: { 'X-Zarrview-Shape': '2' }, json: null }, [body]);
    expect((await second).json).toEqual({ name: 'a' });
    const tile = await first;
    expect(tile.body).toBe(body);
  });

  it('asks the kernel to watch while it follows, and tells it when it stops', async () => {
    const model = new FakeModel();
    const transport = new KernelTransport(model);
    const changes: unknown[] = [];
    let connected = false;
    const stop = transport.watch({
      connected: () => (connected = true),
      change: change => changes.push(change),
      gone: () => undefined,
      disconnected: () => undefined,
      unavailable: () => undefined
    });
    expect(model.sent).toEqual([{ type: 'zarrview-watch', on: true }]);
    await Promise.resolve();
    expect(connected).toBe(true);
    model.reply({ type: 'zarrview-event', event: 'change', data: { version: 'v2', metadata: false, levels: [{ level: 0, boxes: [[[0], [4]]] }] } });
    expect(changes).toEqual([{ version: 'v2', metadata: false, info: undefined, levels: [{ level: 0, boxes: [[[0], [4]]] }] }]);
    stop();
    expect(model.sent.at(-1)).toEqual({ type: 'zarrview-watch', on: false });
  });

  it('cancels a request on abort and tells the kernel', async () => {
    const model = new FakeModel();
    const transport = new KernelTransport(model);
    const controller = new AbortController();
    const pending = transport.request('tile', {}, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow('aborted');
    expect(model.sent.at(-1)).toEqual({ type: 'zarrview-cancel', id: 1 });
  });

  it('keeps what the kernel holds to a few requests, cancelled ones included', async () => {
    const model = new FakeModel();
    const transport = new KernelTransport(model, 120_000, 2);
    const controllers = [0, 1, 2, 3].map(() => new AbortController());
    const answers = controllers.map((c, i) => transport.request('tile', { sel: String(i) }, c.signal).catch(e => e as Error));
    const requests = () => model.sent.filter(m => m.type === 'zarrview-request').map(m => m.id);
    expect(requests()).toEqual([1, 2]);
    // An abort of a sent request tells the kernel, but its slot stays taken until it answers.
    controllers[0]?.abort();
    expect(model.sent.at(-1)).toEqual({ type: 'zarrview-cancel', id: 1 });
    expect(requests()).toEqual([1, 2]);
    // An abort of a queued one costs no message at all.
    controllers[2]?.abort();
    expect(model.sent.filter(m => m.type === 'zarrview-cancel')).toHaveLength(1);
    model.reply({ type: 'zarrview-response', id: 1, status: 499, headers: {}, json: { error: 'cancelled' } });
    expect(requests()).toEqual([1, 2, 4]);
    expect(transport.outstanding).toBe(2);
    model.reply({ type: 'zarrview-response', id: 2, status: 200, headers: {}, json: {} });
    model.reply({ type: 'zarrview-response', id: 4, status: 200, headers: {}, json: {} });
    const settled = await Promise.all(answers);
    expect(settled.map(a => (a instanceof Error ? a.name : (a as { status: number }).status))).toEqual(['AbortError', 200, 'AbortError', 200]);
    expect(transport.outstanding).toBe(0);
  });

  it('times out rather than waiting forever', async () => {
    const transport = new KernelTransport(new FakeModel(), 10);
    await expect(transport.request('info', {})).rejects.toThrow(/did not answer info/);
  });
});

describe('MemoryModel', () => {
  it('notifies per key and for any change, and snapshots the view state', () => {
    const model = new MemoryModel({ colormap: 'viridis' });
    const seen: string[] = [];
    model.on('change:gamma', () => seen.push('gamma'));
    const stop = model.onAnyChange(() => seen.push('any'));
    model.set('gamma', 2);
    model.set('gamma', 2); // no change, no event
    stop();
    model.set('zoom', 3);
    expect(seen).toEqual(['gamma', 'any']);
    expect(model.snapshot()).toMatchObject({ colormap: 'viridis', gamma: 2, zoom: 3 });
    expect('info' in model.snapshot()).toBe(false);
  });
});
