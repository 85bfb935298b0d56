import { header, type Answer } from './answer';
import { ProtocolError } from './protocolError';

export type WireDtype =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64';

const ITEM_SIZE: Record<WireDtype, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float16: 2,
  float32: 4,
  float64: 8
};

/** A decoded tile: its shape and its values as numbers the renderer can upload. */
export interface Tile {
  shape: number[];
  dtype: WireDtype;
  /** Values in C order. 64-bit integers become float64 (exact up to 2^53). */
  data: Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
  version: string | null;
}

function isWireDtype(value: string): value is WireDtype {
  return value in ITEM_SIZE;
}

/** float16 bits to a number, for browsers without Float16Array. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) {
    return sign * 2 ** -14 * (fraction / 1024);
  }
  if (exponent === 0x1f) {
    return fraction ? NaN : sign * Infinity;
  }
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function asBytes(body: ArrayBuffer | DataView): { buffer: ArrayBuffer; offset: number; length: number } {
  if (body instanceof DataView) {
    return { buffer: body.buffer as ArrayBuffer, offset: body.byteOffset, length: body.byteLength };
  }
  return { buffer: body, offset: 0, length: body.byteLength };
}

/** Turns a `tile` answer into typed values; errors become a ProtocolError. */
export function decodeTile(answer: Answer): Tile {
  if (answer.status !== 200) {
    throw ProtocolError.fromAnswer(answer);
  }
  const dtypeText = header(answer, 'X-Zarrview-Dtype') ?? '';
  if (!isWireDtype(dtypeText)) {
    throw new Error(`unknown dtype on the wire: ${JSON.stringify(dtypeText)}`);
  }
  const shapeText = header(answer, 'X-Zarrview-Shape') ?? '';
  const shape = shapeText === '' ? [] : shapeText.split(',').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = answer.body ?? new ArrayBuffer(0);
  const { buffer, offset, length } = asBytes(body);
  const size = ITEM_SIZE[dtypeText];
  if (length !== count * size) {
    throw new Error(`tile of shape [${shape}] ${dtypeText} should have ${count * size} bytes, got ${length}`);
  }
  // Typed arrays need aligned offsets; a copy is cheap next to the transfer it follows.
  const aligned = offset % size === 0 ? buffer : buffer.slice(offset, offset + length);
  const start = offset % size === 0 ? offset : 0;
  const version = header(answer, 'X-Zarrview-Version') ?? null;
  let data: Tile['data'];
  switch (dtypeText) {
    case 'bool':
    case 'uint8':
      data = new Uint8Array(aligned, start, count);
      break;
    case 'int8':
      data = new Int8Array(aligned, start, count);
      break;
    case 'int16':
      data = new Int16Array(aligned, start, count);
      break;
    case 'uint16':
      data = new Uint16Array(aligned, start, count);
      break;
    case 'int32':
      data = new Int32Array(aligned, start, count);
      break;
    case 'uint32':
      data = new Uint32Array(aligned, start, count);
      break;
    case 'float32':
      data = new Float32Array(aligned, start, count);
      break;
    case 'float64':
      data = new Float64Array(aligned, start, count);
      break;
    case 'int64':
    case 'uint64': {
      const big =
        dtypeText === 'int64'
          ? new BigInt64Array(aligned, start, count)
          : new BigUint64Array(aligned, start, count);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        out[i] = Number(big[i]);
      }
      data = out;
      break;
    }
    case 'float16': {
      const bits = new Uint16Array(aligned, start, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        out[i] = halfToFloat(bits[i] as number);
      }
      data = out;
      break;
    }
  }
  return { shape, dtype: dtypeText, data, version };
}
