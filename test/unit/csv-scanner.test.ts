// The CSV scanner against csv-parse (the reference) on random RFC 4180 text, and its invariants on
// random garbage: the same records however the bytes are split into chunks, never an exception.
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvScanner, collectInto, type ScannedRecord } from '../../functions/adapters/sources/csv-scanner';
import { readRows } from '../../functions/adapters/sources/file-reader';
import type { SourceRow } from '../../functions/ports/source';

function scanAll(chunks: string[], max = 1_000_000): ScannedRecord[] {
  const scanner = new CsvScanner(max);
  const out: ScannedRecord[] = [];
  const sink = collectInto(out);
  for (const c of chunks) scanner.push(c, sink);
  scanner.end(sink);
  return out;
}

/** Splits text at the given fractions of its length. */
function split(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * text.length)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let from = 0;
  for (const p of at) {
    parts.push(text.slice(from, p));
    from = p;
  }
  parts.push(text.slice(from));
  return parts;
}

const cell = fc.stringMatching(/^[a-zé ,"\n]{0,6}$/);
const quoteIfNeeded = (v: string) => (v === '' || /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const table = fc
  .integer({ min: 1, max: 4 })
  .chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 12 }));

describe('CsvScanner', () => {
  it('reads well-formed RFC 4180 text exactly as csv-parse does, whatever the line ends and chunking', () => {
    fc.assert(
      fc.property(
        table,
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.boolean(),
        (rows, eol, cuts, finalEol) => {
          const text = rows.map((r) => r.map(quoteIfNeeded).join(',')).join(eol) + (finalEol ? eol : '');
          const expected = parse(text.replace(/\r\n?/g, '\n'), {
            relax_column_count: true,
            skip_empty_lines: true,
          }) as string[][];
          const scanned = scanAll(split(text, cuts));
          expect(scanned.every((r) => r.ok)).toBe(true);
          expect(scanned.map((r) => (r.ok ? r.fields : []))).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives each record the line it starts on', () => {
    const out = scanAll(['a,b\r\n\r\n1,"x\r\ny"\n', '2,z\r3,"\n"\n']);
    expect(out.map((r) => [r.line, r.ok && r.fields])).toEqual([
      [1, ['a', 'b']],
      [3, ['1', 'x\ny']],
      [5, ['2', 'z']],
      [6, ['3', '\n']],
    ]);
  });

  it('never throws on garbage and gives the same records however the text is chunked', () => {
    const garbage = fc.stringMatching(/^[ab,"\n\r\uFFFD]{0,60}$/);
    fc.assert(
      fc.property(garbage, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), (text, cuts) => {
        const whole = scanAll([text], 20);
        expect(scanAll(split(text, cuts), 20)).toEqual(whole);
        let last = 0;
        for (const r of whole) {
          expect(r.line).toBeGreaterThan(last);
          last = r.line;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a quote-free line split on commas, keeping spaces and empty fields', () => {
    expect(scanAll([' a ,,b,\n'])).toEqual([{ ok: true, line: 1, fields: [' a ', '', 'b', ''], raw: ' a ,,b,' }]);
  });

  it('names the reason for malformed quotes and goes on with the next line', () => {
    const out = scanAll(['x"y,1\n"a"b,2\nok,3\n"open,4\nmore\n']);
    expect(out.map((r) => [r.line, r.ok ? r.fields : r.reason])).toEqual([
      [1, 'a quote appears inside an unquoted field (quote the whole field and double inner quotes)'],
      [2, 'text follows a closing quote (double inner quotes: "")'],
      [3, ['ok', '3']],
      [4, 'a quoted field opened on this line is never closed; the rest of the file could not be read'],
    ]);
  });
});

describe('readRows (CSV)', () => {
  it('decodes UTF-8 split across chunks and rejects invalid bytes on their row only', async () => {
    const bytes = Buffer.from('id,name\n1,Café\n2,ok\n');
    const at = bytes.indexOf(0xc3) + 1; // between the two bytes of é
    const rows: SourceRow[] = [];
    for await (const r of readRows(Readable.from([bytes.subarray(0, at), bytes.subarray(at)]), 'csv')) rows.push(r);
    expect(rows.map((r) => r.ok && r.row.fields)).toEqual([
      { id: '1', name: 'Café' },
      { id: '2', name: 'ok' },
    ]);
  });
});
