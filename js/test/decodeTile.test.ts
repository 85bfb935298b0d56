import { describe, expect, it } from 'vitest';

import { decodeTile, halfToFloat } from '../src/protocol/decodeTile';
import { ProtocolError } from '../src/protocol/protocolError';

function answer(dtype: string, shape: string, body: ArrayBuffer | DataView) {
  return { status: 200, headers: { 'x-zarrview-dtype': dtype, 'X-Zarrview-Shape': shape }, body };
}

describe('decodeTile', () => {
  it('decodes every integer and float dtype, little-endian', () => {
    const cases: [string, ArrayLike<number>, number[]][] = [
      ['uint8', new Uint8Array([0, 255]), [0, 255]],
      ['int8', new Int8Array([-128, 127]), [-128, 127]],
      ['uint16', new Uint16Array([0, 65535]), [0, 65535]],
      ['int16', new Int16Array([-32768, 32767]), [-32768, 32767]],
      ['uint32', new Uint32Array([0, 4294967295]), [0, 4294967295]],
      ['int32', new Int32Array([-2147483648, 7]), [-2147483648, 7]],
      ['float32', new Float32Array([1.5, NaN]), [1.5, NaN]],
      ['float64', new Float64Array([1e300, -0.25]), [1e300, -0.25]]
    ];
    for (const [dtype, typed, values] of cases) {
      const buffer = (typed as unknown as { buffer: ArrayBuffer }).buffer;
      const tile = decodeTile(answer(dtype, '2', buffer));
      expect(tile.shape).toEqual([2]);
      expect(Array.from(tile.data)).toEqual(values);
    }
  });

  it('turns 64-bit integers into exact numbers and bool into 0/1', () => {
    const big = new BigInt64Array([-(2n ** 53n), 42n]);
    expect(Array.from(decodeTile(answer('int64', '2', big.buffer)).data)).toEqual([-(2 ** 53), 42]);
    const ubig = new BigUint64Array([2n ** 53n]);
    expect(Array.from(decodeTile(answer('uint64', '1', ubig.buffer)).data)).toEqual([2 ** 53]);
    expect(Array.from(decodeTile(answer('bool', '3', new Uint8Array([1, 0, 1]).buffer)).data)).toEqual([1, 0, 1]);
  });

  it('decodes float16 by its bits', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
    expect(halfToFloat(0x0001)).toBeCloseTo(5.96e-8, 10);
    const bits = new Uint16Array([0x3c00, 0x3800]);
    expect(Array.from(decodeTile(answer('float16', '2', bits.buffer)).data)).toEqual([1, 0.5]);
  });

  it('honours a buffer view with an odd byteOffset', () => {
    const raw = new Uint8Array(9);
    new DataView(raw.buffer).setUint16(1, 513, true);
    new DataView(raw.buffer).setUint16(3, 7, true);
    const view = new DataView(raw.buffer, 1, 4);
    const tile = decodeTile(answer('uint16', '1,2', view));
    expect(tile.shape).toEqual([1, 2]);
    expect(Array.from(tile.data)).toEqual([513, 7]);
  });

  it('reads a 0-d answer and refuses a body of the wrong size', () => {
    expect(Array.from(decodeTile(answer('uint8', '', new Uint8Array([9]).buffer)).data)).toEqual([9]);
    expect(() => decodeTile(answer('uint16', '3', new ArrayBuffer(4)))).toThrow(/should have 6 bytes, got 4/);
    expect(() => decodeTile(answer('complex64', '1', new ArrayBuffer(8)))).toThrow(/unknown dtype/);
  });

  it('raises a ProtocolError naming the parameter for an error answer', () => {
    const error = (() => {
      try {
        decodeTile({ status: 400, headers: {}, json: { error: 'level 9 is out of range', parameter: 'level' } });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).parameter).toBe('level');
    expect((error as ProtocolError).message).toBe('level 9 is out of range');
    expect(new ProtocolError(503, {}).retryable).toBe(true);
  });
});
