// Cutting large drop-zone files into parts (functions/domain/sources/parts.ts): record boundaries
// (quoted line breaks), the header in every part, line offsets back to the original, part keys.
import { describe, expect, it } from 'vitest';
import {
  RecordCutter,
  originalKeyOfPart,
  parsePartKey,
  partKey,
  restOfIncoming,
  splitIdOf,
  type CutPart,
} from '../../functions/domain/sources/parts';

function cut(text: string, format: 'csv' | 'ndjson', partRows: number, chunkSize = 7): CutPart[] {
  const c = new RecordCutter(format, partRows);
  const parts: CutPart[] = [];
  for (let i = 0; i < text.length; i += chunkSize) parts.push(...c.feed(text.slice(i, i + chunkSize)));
  const last = c.end();
  if (last) parts.push(last);
  return parts;
}

describe('RecordCutter', () => {
  it('cuts CSV into parts of N records, each with the header, with line offsets to the original', () => {
    const rows = Array.from({ length: 25 }, (_, i) => `A${i + 1},${i}`);
    const text = `id,n\n${rows.join('\n')}\n`;
    const parts = cut(text, 'csv', 10);
    expect(parts.map((p) => [p.part, p.records, p.lineOffset])).toEqual([
      [1, 10, 0],
      [2, 10, 10],
      [3, 5, 20],
    ]);
    for (const p of parts) expect(p.text.join('').startsWith('id,n\n')).toBe(true);
    // part line n (n >= 2) is original line n + offset
    const lines = text.split('\n');
    for (const p of parts) {
      const partLines = p.text.join('').split('\n');
      expect(lines[2 + p.lineOffset - 1]).toBe(partLines[1]);
    }
    // nothing lost, nothing doubled
    expect(parts.map((p) => p.text.join('').slice('id,n\n'.length)).join('')).toBe(rows.join('\n') + '\n');
  });

  it('never cuts inside a quoted field that spans lines; CRLF, an unterminated last line', () => {
    const text = 'id,note\r\nA1,"two\r\nlines"\r\nA2,plain\r\nA3,"say ""hi""\r\nagain"\r\nA4,last';
    const parts = cut(text, 'csv', 1, 3);
    expect(parts.map((p) => p.text.join(''))).toEqual([
      'id,note\r\nA1,"two\r\nlines"\r\n',
      'id,note\r\nA2,plain\r\n',
      'id,note\r\nA3,"say ""hi""\r\nagain"\r\n',
      'id,note\r\nA4,last',
    ]);
    // A1 starts on line 2, A2 on line 4, A3 on line 5, A4 on line 7 of the original
    expect(parts.map((p) => p.lineOffset + 2)).toEqual([2, 4, 5, 7]);
  });

  it('keeps an unclosed quote and everything after it in the last part (the reader reports it)', () => {
    const parts = cut('id,n\nA1,1\nA2,"oops\nA3,3\n', 'csv', 1);
    expect(parts.map((p) => p.text.join(''))).toEqual(['id,n\nA1,1\n', 'id,n\nA2,"oops\nA3,3\n']);
  });

  it('cuts NDJSON at every line, no header', () => {
    const parts = cut('{"a":1}\n{"a":2}\n{"a":3}\n', 'ndjson', 2);
    expect(parts.map((p) => [p.text.join(''), p.lineOffset])).toEqual([
      ['{"a":1}\n{"a":2}\n', 0],
      ['{"a":3}\n', 2],
    ]);
  });

  it('also cuts a part at the next record end once it holds maxPartChars characters (wide rows)', () => {
    const c = new RecordCutter('csv', 100, true, 12);
    const parts = [...c.feed('id\naaaa\nbbbb\ncccc\ndddd\n'), c.end()].filter((p) => p !== undefined);
    expect(parts.map((p) => [p.text.join(''), p.lineOffset])).toEqual([
      ['id\naaaa\nbbbb\ncccc\n', 0],
      ['id\ndddd\n', 3],
    ]);
  });

  it('counts only, with keep = false', () => {
    const c = new RecordCutter('csv', 3, false);
    expect(c.feed('h\n1\n2\n3\n4\n').map((p) => p.text)).toEqual([[]]);
    expect(c.records).toBe(4);
  });
});

describe('part keys', () => {
  it('round-trips and names the original', () => {
    const key = partKey({
      source: 'billing',
      splitId: '9f2c41d0aa3e',
      part: 2,
      lineOffset: 500000,
      rest: '2026/usage.csv.gz',
    });
    expect(key).toBe('parts/billing/9f2c41d0aa3e/00002-L500000/2026/usage.csv.gz');
    const p = parsePartKey(key)!;
    expect(p).toEqual({
      source: 'billing',
      splitId: '9f2c41d0aa3e',
      part: 2,
      lineOffset: 500000,
      rest: '2026/usage.csv.gz',
    });
    expect(originalKeyOfPart(p)).toBe('incoming/billing/2026/usage.csv.gz');
    expect(parsePartKey('incoming/billing/usage.csv')).toBeUndefined();
    expect(restOfIncoming('incoming/billing/2026/usage.csv', 'billing')).toBe('2026/usage.csv');
    expect(splitIdOf('"0123456789abcdef0123456789abcdef-3"', 'x')).toBe('0123456789ab');
    expect(splitIdOf(undefined, 'b1f')).toBe('b1f');
  });
});
