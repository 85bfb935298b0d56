import type { Answer } from '../../protocol/answer';
import { header } from '../../protocol/answer';
import { ProtocolError } from '../../protocol/protocolError';

/** The integer dtypes a label image may have (OME-NGFF: ids are integers). */
const SMALL = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array
} as const;

type SmallDtype = keyof typeof SMALL;
type SmallArray = InstanceType<(typeof SMALL)[SmallDtype]>;

/**
 * One plane of label ids, rows of `width`, exactly as stored. Ids of up to 32 bits are kept as
 * their own typed array; 64-bit ids as pairs of 32-bit words (low first), since a float would
 * lose ids past 2^53 and a BigInt per pixel costs too much to colour a tile.
 */
export interface LabelIds {
  width: number;
  height: number;
  small: SmallArray | null;
  /** 64-bit ids: words [2i] (low) and [2i + 1] (high) of pixel i. */
  words: Uint32Array | null;
  signed: boolean;
}

export function isLabelDtype(dtype: string): boolean {
  return dtype in SMALL || dtype === 'int64' || dtype === 'uint64';
}

/** The id of pixel `i`: a number where exact (|id| < 2^53), else its decimal string. */
export function labelAt(ids: LabelIds, i: number): number | string {
  if (ids.small) {
    return ids.small[i] as number;
  }
  const words = ids.words as Uint32Array;
  return wordsId(words[2 * i] as number, words[2 * i + 1] as number, ids.signed);
}

/** A 64-bit id from its words, as `labelAt` gives it. */
export function wordsId(lo: number, hi: number, signed: boolean): number | string {
  if (hi < 0x200000) {
    return hi * 0x100000000 + lo; // below 2^53: exact as a number
  }
  if (signed && hi >= 0xffe00000) {
    return (hi - 0x100000000) * 0x100000000 + lo; // small negatives, likewise
  }
  const big = (BigInt(hi) << 32n) | BigInt(lo);
  return (signed ? BigInt.asIntN(64, big) : big).toString();
}

/**
 * Turns a `tile` answer of a label image into the plane's ids. The answer's dimensions are the
 * sliced axes in axis order: `transposed` when the displayed row axis comes after the column.
 */
export function decodeLabelTile(answer: Answer, transposed: boolean): LabelIds {
  if (answer.status !== 200) {
    throw ProtocolError.fromAnswer(answer);
  }
  const dtype = header(answer, 'X-Zarrview-Dtype') ?? '';
  if (!isLabelDtype(dtype)) {
    throw new Error(`label ids must be integers; the label image holds ${dtype || 'no dtype'}`);
  }
  const shape = (header(answer, 'X-Zarrview-Shape') ?? '').split(',').filter(Boolean).map(Number);
  if (shape.length !== 2) {
    throw new Error(`a label tile is one plane; got shape [${shape}]`);
  }
  const [d0, d1] = shape as [number, number];
  const body = answer.body ?? new ArrayBuffer(0);
  const bytes = body instanceof DataView ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : new Uint8Array(body);
  const wide = dtype === 'int64' || dtype === 'uint64';
  const size = wide ? 8 : SMALL[dtype as SmallDtype].BYTES_PER_ELEMENT;
  if (bytes.byteLength !== d0 * d1 * size) {
    throw new Error(`label tile of shape [${shape}] ${dtype} should have ${d0 * d1 * size} bytes, got ${bytes.byteLength}`);
  }
  const copy = bytes.slice().buffer; // aligned, and ours to transpose in place of
  const height = transposed ? d1 : d0;
  const width = transposed ? d0 : d1;
  if (wide) {
    const words = new Uint32Array(copy);
    return { width, height, small: null, words: transposed ? transpose(words, d0, d1, 2) : words, signed: dtype === 'int64' };
  }
  const small = new SMALL[dtype as SmallDtype](copy);
  return { width, height, small: transposed ? transpose(small, d0, d1, 1) : small, words: null, signed: dtype.startsWith('int') };
}

function transpose<T extends SmallArray | Uint32Array>(data: T, rows: number, cols: number, per: number): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (let k = 0; k < per; k++) {
        out[(c * rows + r) * per + k] = data[(r * cols + c) * per + k] as number;
      }
    }
  }
  return out;
}
