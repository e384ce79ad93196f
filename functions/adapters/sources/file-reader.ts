// Streams contract files (CSV or NDJSON, optionally gzip-compressed) row by row with a well-kept
// CSV parser. A row the parser cannot read becomes an UnreadableRow with its line; the rest of
// the file still loads.
import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ENTITY_NAMES, type EntityName } from '../../domain/contract/entities';
import type { ContractSource, SourceFile, SourceRow } from '../../ports/source';

const FILE_NAME = /^([a-z_]+)\.(csv|ndjson|jsonl)(\.gz)?$/i;
const MAX_RECORD_BYTES = 1_000_000;
const REPLACEMENT_CHAR = '\uFFFD';

export type FileFormat = 'csv' | 'ndjson';

/** Which entity and format a file name stands for (`renewals.csv`, `usage.ndjson.gz`), if any. */
export function recogniseFile(name: string): { entity: EntityName; format: FileFormat; gzip: boolean } | undefined {
  const m = FILE_NAME.exec(basename(name));
  if (!m) return undefined;
  const entity = m[1]!.toLowerCase() as EntityName;
  if (!ENTITY_NAMES.includes(entity)) return undefined;
  return { entity, format: m[2]!.toLowerCase() === 'csv' ? 'csv' : 'ndjson', gzip: Boolean(m[3]) };
}

/** Rows of a byte stream in the given format. */
export async function* readRows(input: Readable, format: FileFormat, gzip = false): AsyncGenerator<SourceRow> {
  const text = gzip ? input.pipe(createGunzip()) : input;
  yield* format === 'csv' ? readCsv(text) : readNdjson(text);
}

function normaliseHeader(header: string[]): string[] {
  return header.map((h) => h.trim().toLowerCase());
}

async function* readCsv(input: Readable): AsyncGenerator<SourceRow> {
  // Line ends are normalised to LF first (normaliseLineEnds). Line numbers are counted here from
  // each record's raw text rather than with csv-parse's `info` option, which doubles parse time.
  const parser = parse({
    bom: true,
    columns: normaliseHeader,
    record_delimiter: '\n',
    raw: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
  });
  // Records the parser had to skip arrive as events (with the line they end on), possibly ahead of
  // records still buffered; queue them and yield everything in line order.
  const skipped: { line: number; endLine: number; row: SourceRow }[] = [];
  const seenErrorLines = new Set<number>();
  parser.on('skip', (err: Error & { code?: string; lines?: number; raw?: string }) => {
    const quoteNeverClosed = err.code === 'CSV_QUOTE_NOT_CLOSED';
    const body = recordBody(err.raw ?? '');
    const endLine = err.lines ?? 0; // the line the bad record ends on
    const line = endLine - lineBreaks(body);
    if (seenErrorLines.has(line)) return;
    seenErrorLines.add(line);
    skipped.push({ line, endLine, row: { ok: false, error: { line, reason: csvReason(err, quoteNeverClosed), raw: body.slice(0, 2000) } } });
  });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(normaliseLineEnds()).pipe(parser);
  let next = 2; // the first line after a one-line header
  for await (const { record, raw } of parser as AsyncIterable<{ record: Record<string, string>; raw: string }>) {
    const body = recordBody(raw);
    let line = next + leadingBlankLines(raw);
    while (skipped.length && skipped[0]!.line <= line) {
      const s = skipped.shift()!;
      yield s.row;
      next = s.endLine + 1;
      line = next + leadingBlankLines(raw);
    }
    next = line + lineBreaks(body) + 1;
    if (body.includes(REPLACEMENT_CHAR)) {
      yield { ok: false, error: { line, reason: 'contains bytes that are not valid UTF-8 (save the file as UTF-8)', raw: body } };
      continue;
    }
    yield { ok: true, row: { line, fields: record, raw: body } };
  }
  for (const s of skipped) yield s.row;
}

function lineBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function leadingBlankLines(raw: string): number {
  let n = 0;
  while (raw.charCodeAt(n) === 10) n++;
  return n;
}

/**
 * CRLF and lone CR become LF before parsing: csv-parse counts a CRLF inside a quoted field as two
 * lines, which would put every later row's line number one too high. (A CRLF inside a quoted
 * field is read as LF.)
 */
function normaliseLineEnds(): Transform {
  let pendingCr = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      let text = chunk.toString('latin1');
      if (pendingCr) text = `\r${text}`;
      pendingCr = text.endsWith('\r');
      if (pendingCr) text = text.slice(0, -1);
      // latin1 maps bytes 1:1, so multi-byte UTF-8 characters split across chunks pass through intact.
      done(null, Buffer.from(text.replace(/\r\n?/g, '\n'), 'latin1'));
    },
    flush(done) {
      done(null, pendingCr ? Buffer.from('\n') : null);
    },
  });
}

/** A record's text without the blank lines before it and its line break. */
function recordBody(raw: string): string {
  return raw.replace(/^[\r\n]+/, '').replace(/(\r\n|\n|\r)$/, '');
}

function csvReason(err: Error & { code?: string }, quoteNeverClosed: boolean): string {
  if (quoteNeverClosed) return 'a quoted field opened on this line is never closed; the rest of the file could not be read';
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    {
      const m = /columns length is (\d+), got (\d+)/.exec(err.message);
      return m ? `wrong number of columns: the header has ${m[1]}, this row has ${m[2]}` : `wrong number of columns: ${err.message}`;
    }
    case 'CSV_INVALID_OPENING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return 'a quote appears inside an unquoted field (quote the whole field and double inner quotes)';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'text follows a closing quote (double inner quotes: "")';
    case 'CSV_MAX_RECORD_SIZE':
      // The parser cannot find the next row after an oversized one: say so rather than lose rows quietly.
      return `the row is longer than ${MAX_RECORD_BYTES} bytes; the rest of the file could not be read`;
    default:
      return `unreadable CSV: ${err.message}`;
  }
}

async function* readNdjson(input: Readable): AsyncGenerator<SourceRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const rawLine of lines) {
    line++;
    const text = line === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
    if (text.trim() === '') continue;
    if (text.length > MAX_RECORD_BYTES) {
      yield { ok: false, error: { line, reason: `the row is longer than ${MAX_RECORD_BYTES} bytes`, raw: text.slice(0, 2000) } };
      continue;
    }
    if (text.includes(REPLACEMENT_CHAR)) {
      yield { ok: false, error: { line, reason: 'contains bytes that are not valid UTF-8 (save the file as UTF-8)', raw: text } };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { ok: false, error: { line, reason: `not valid JSON: ${(e as Error).message}`, raw: text } };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { ok: false, error: { line, reason: 'each line must be one JSON object', raw: text } };
      continue;
    }
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) fields[k.trim().toLowerCase()] = v;
    yield { ok: true, row: { line, fields, raw: text } };
  }
}

/** A folder of contract files (`accounts.csv`, `usage.ndjson.gz`, ...). */
export class FolderSource implements ContractSource {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `folder ${dir}`;
  }

  async *files(): AsyncGenerator<SourceFile> {
    for (const name of await this.names()) {
      const kind = recogniseFile(name);
      if (!kind) continue;
      const path = join(this.dir, name);
      yield {
        entity: kind.entity,
        name,
        rows: () => readRows(createReadStream(path), kind.format, kind.gzip),
      };
    }
  }

  async ignored(): Promise<string[]> {
    return (await this.names()).filter((n) => !recogniseFile(n));
  }

  private async names(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    // Entities load in contract order so a folder reads the same way every time.
    const order = (n: string) => {
      const e = recogniseFile(n)?.entity;
      return e ? ENTITY_NAMES.indexOf(e) : ENTITY_NAMES.length;
    };
    return entries
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  }
}
