import { describe, expect, it } from 'vitest';

import type { Answer, Transport } from '../src/protocol/answer';
import { EventParser } from '../src/protocol/liveEvents';
import { ImageLayer, selectionBox, structureKey, type IPlaneLayout } from '../src/viewer/layers/imageLayer';
import { levelRefs } from '../src/viewer/levels';
import type { Renderer } from '../src/viewer/renderer';
import type { IDatasetInfo } from '../src/viewer/viewState';

describe('EventParser', () => {
  it('splits a stream fed in any pieces into events, dropping comments', () => {
    const parser = new EventParser();
    const text = 'event: hello\ndata: {"version": "a.0"}\n\n: keep-alive\n\nevent: change\r\ndata: {"metadata":\ndata: true}\r\n\r\n';
    const events = [];
    for (let i = 0; i < text.length; i += 7) {
      events.push(...parser.feed(text.slice(i, i + 7)));
    }
    expect(events).toEqual([
      { event: 'hello', data: '{"version": "a.0"}' },
      { event: 'change', data: '{"metadata":\ntrue}' }
    ]);
  });
});

describe('selectionBox', () => {
  it('gives the half-open box a selection reads, strides included', () => {
    expect(selectionBox('3,0:512,10:20:4')).toEqual([
      [3, 0, 10],
      [4, 512, 19]
    ]);
  });
});

const INFO: IDatasetInfo = {
  protocol: 1,
  name: 'a',
  kind: 'array',
  version: 'h.0',
  dtype: 'uint8',
  fill_value: 0,
  axes: ['t', 'y', 'x'].map(name => ({ name, type: null, unit: null })),
  channel_axis: null,
  channels: [],
  levels: [{ path: '0', shape: [4, 1024, 1024], chunks: [1, 256, 256], scale: [1, 1, 1], translation: [0, 0, 0] }],
  rdefs: null,
  live: true
};

class CountingTransport implements Transport {
  asked: string[] = [];
  async request(_op: string, params: Record<string, string>): Promise<Answer> {
    this.asked.push(params.sel ?? '');
    const [, rows, cols] = (params.sel ?? '').split(',').map(r => r.split(':').map(Number));
    const shape = [(rows?.[1] ?? 0) - (rows?.[0] ?? 0), (cols?.[1] ?? 0) - (cols?.[0] ?? 0)];
    return { status: 200, headers: { 'X-Zarrview-Shape': shape.join(','), 'X-Zarrview-Dtype': 'uint8' }, body: new ArrayBuffer(shape[0]! * shape[1]!) };
  }
}

const renderer: Renderer = { kind: 'canvas2d', resize: () => undefined, clear: () => undefined, draw: () => undefined, release: () => undefined, dispose: () => undefined };

describe('ImageLayer and changes to the data', () => {
  it('asks again only for the tiles over changed chunks, and keeps drawing the old ones', async () => {
    const transport = new CountingTransport();
    const layer = new ImageLayer(transport, renderer);
    const layout: IPlaneLayout = { info: INFO, structure: structureKey(INFO), refs: levelRefs(INFO, 1, 2), row: 1, col: 2, composite: false, indices: { t: 3 } };
    const view = { center: [512, 512] as [number, number], zoom: 1, width: 1024, height: 1024 };
    const first = layer.missing(layout, 0, view);
    await Promise.all(first.map(job => job.run(new AbortController().signal)));
    expect(layer.missing(layout, 0, view)).toEqual([]);
    // The writer rewrote chunk (3, 1, 2): rows 256:512, cols 512:768 of frame 3.
    // Stale: the tile over it, and the coarse overview drawn under every tile.
    expect(layer.invalidate(0, [[[3, 256, 512], [4, 512, 768]]])).toBe(2);
    const again = layer.missing(layout, 0, view).map(job => job.key);
    expect(again).toHaveLength(2);
    // (level ref: size, tile row,col): the coarse overview's one tile, the fine tile at (0, 1).
    const where = again.map(key => key.split('|')).map(parts => `${parts[2]} ${parts.at(-1)}`);
    expect(where.sort()).toEqual(['0/1:1024x1024 0,1', '0/4:256x256 0,0']);
    // A change to another frame touches nothing on screen.
    expect(layer.invalidate(0, [[[1, 0, 0], [2, 1024, 1024]]])).toBe(0);
  });

  it('keys tiles on the structure, not the shape: growth keeps the old frames', () => {
    const grown = { ...INFO, version: 'h2.1', levels: [{ ...INFO.levels[0]!, shape: [5, 1024, 1024] }] };
    expect(structureKey(grown)).toBe(structureKey(INFO));
  });
});

describe('a coarse level that lags the finest while a job writes', () => {
  it('is stood in for by the finer level, read strided to the same pixel size', async () => {
    const info: IDatasetInfo = {
      ...INFO,
      levels: [
        { path: '0', shape: [4, 1024, 1024], chunks: [1, 256, 256], scale: [1, 1, 1], translation: [0, 0, 0] },
        { path: '1', shape: [4, 512, 512], chunks: [1, 256, 256], scale: [1, 2, 2], translation: [0, 0.5, 0.5] }
      ]
    };
    const asked: string[] = [];
    const transport: Transport = {
      async request(_op, params) {
        asked.push(`${params.level} ${params.sel}`);
        const [, rows, cols] = (params.sel ?? '').split(',').map(r => r.split(':').map(Number));
        const n = (a?: number[]) => Math.ceil(((a?.[1] ?? 0) - (a?.[0] ?? 0)) / (a?.[2] ?? 1));
        const shape = [n(rows), n(cols)];
        // Level 1 is not written yet (all fill); level 0 has the frame.
        const body = new Uint8Array(shape[0]! * shape[1]!).fill(params.level === '0' ? 9 : 0);
        return { status: 200, headers: { 'X-Zarrview-Shape': shape.join(','), 'X-Zarrview-Dtype': 'uint8' }, body: body.buffer };
      }
    };
    const layer = new ImageLayer(transport, renderer);
    const layout: IPlaneLayout = { info, structure: structureKey(info), refs: levelRefs(info, 1, 2), row: 1, col: 2, composite: false, indices: { t: 3 } };
    const view = { center: [512, 512] as [number, number], zoom: 0.5, width: 512, height: 512 };
    const target = 1; // level 1 fits this zoom
    const run = async (jobs: { run(s: AbortSignal): Promise<void> }[]) => Promise.all(jobs.map(j => j.run(new AbortController().signal)));
    await run(layer.missing(layout, target, view));
    expect(layer.missing(layout, target, view)).toEqual([]); // empty, but nothing says it lags
    layer.invalidate(0, [[[3, 0, 0], [4, 1024, 1024]]]); // the writer's frame, at level 0 only
    asked.length = 0;
    await run(layer.missing(layout, target, view));
    expect(asked).toEqual(['0 3,0:1023:2,0:1023:2']);
  });
});
