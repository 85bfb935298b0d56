import { describe, expect, it } from 'vitest';

import { FrameGate, HOLD_MS, type IDrawCall } from '../src/viewer/frameGate';
import type { PlaneStack } from '../src/viewer/renderer';

function stack(): PlaneStack {
  return { width: 1, height: 1, channels: 1, data: new Float32Array(1) };
}

function at(s: PlaneStack, x: number): IDrawCall {
  return { tile: s, rect: { x, y: 0, width: 512, height: 512 } };
}

describe('FrameGate', () => {
  it('does not draw the picture the canvas shows again', () => {
    const gate = new FrameGate();
    const a = stack();
    expect(gate.decide('v', [at(a, 0)], true, 0).kind).toBe('draw');
    gate.drawn('v', [at(a, 0)], true);
    expect(gate.decide('v', [at(a, 0)], true, 10).kind).toBe('same');
    // The same tiles somewhere else, or other colours, are another picture.
    expect(gate.decide('v', [at(a, 1)], true, 10).kind).toBe('draw');
    expect(gate.decide('w', [at(a, 0)], true, 10).kind).toBe('draw');
    // A new tile object with equal values is a new answer: drawn.
    expect(gate.decide('v', [at(stack(), 0)], true, 10).kind).toBe('draw');
  });

  it('holds a complete picture while its replacement arrives, up to HOLD_MS', () => {
    const gate = new FrameGate();
    const [a, b, c, d] = [stack(), stack(), stack(), stack()];
    gate.drawn('v', [at(a, 0), at(b, 1)], true);
    const first = gate.decide('v', [at(a, 0), at(b, 1), at(c, 0)], false, 100);
    expect(first).toEqual({ kind: 'hold', ms: HOLD_MS });
    expect(gate.decide('v', [at(a, 0), at(b, 1), at(c, 0)], false, 100 + HOLD_MS - 1)).toEqual({ kind: 'hold', ms: 1 });
    // Complete: drawn at once.
    expect(gate.decide('v', [at(c, 0), at(d, 1)], true, 120).kind).toBe('draw');
    // Held too long: the part that is here is drawn.
    expect(gate.decide('v', [at(a, 0), at(b, 1), at(c, 0)], false, 100 + HOLD_MS).kind).toBe('draw');
  });

  it('draws an incomplete frame at once when the camera moved or nothing complete is shown', () => {
    const gate = new FrameGate();
    const [a, b] = [stack(), stack()];
    gate.drawn('v', [at(a, 0)], true);
    expect(gate.decide('panned', [at(a, 5)], false, 0).kind).toBe('draw');
    gate.drawn('panned', [at(a, 5)], false);
    expect(gate.decide('panned', [at(a, 5), at(b, 6)], false, 1).kind).toBe('draw');
    gate.forget();
    expect(gate.decide('panned', [at(a, 5), at(b, 6)], false, 2).kind).toBe('draw');
  });
});
