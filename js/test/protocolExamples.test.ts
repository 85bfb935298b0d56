import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { decodeTile } from '../src/protocol/decodeTile';
import { ProtocolError } from '../src/protocol/protocolError';

interface IExample {
  name: string;
  op: string;
  answer: { status: number; headers: Record<string, string>; json?: unknown; body_base64?: string; values?: unknown };
}

// The same examples the Python tests check the server against (tests/protocol_examples.json).
const examples = (
  JSON.parse(readFileSync(new URL('../../tests/protocol_examples.json', import.meta.url), 'utf8')) as {
    examples: IExample[];
  }
).examples;

function expected(value: unknown): number[] {
  const flat = Array.isArray(value) ? (value.flat(Infinity) as unknown[]) : [value];
  return flat.map(v => {
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    return Number(v);
  });
}

describe('the shared protocol examples', () => {
  const tiles = examples.filter(e => e.op === 'tile' && e.answer.status === 200);
  const errors = examples.filter(e => e.answer.status >= 400);

  it('has tile and error examples to check', () => {
    expect(tiles.length).toBeGreaterThan(5);
    expect(errors.length).toBeGreaterThan(5);
  });

  for (const example of tiles) {
    it(`decodes ${example.name}`, () => {
      const bytes = Buffer.from(example.answer.body_base64 ?? '', 'base64');
      const body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const tile = decodeTile({ status: 200, headers: example.answer.headers, body });
      const want = expected(example.answer.values);
      expect(tile.data.length).toBe(want.length);
      // 64-bit integers beyond 2^53 round to the nearest float64, as documented.
      Array.from(tile.data).forEach((v, i) => expect(v).toBe(want[i]));
    });
  }

  for (const example of errors) {
    it(`reports ${example.name}`, () => {
      const error = new ProtocolError(example.answer.status, example.answer.json as Record<string, unknown>);
      const body = example.answer.json as { error: string; parameter?: string };
      expect(error.message).toBe(body.error);
      expect(error.parameter).toBe(body.parameter ?? null);
    });
  }
});
