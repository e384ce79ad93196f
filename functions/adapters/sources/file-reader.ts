// Streams contract files (CSV or NDJSON, optionally gzip-compressed) row by row. A row that cannot
// be read becomes an UnreadableRow with its line; the rest of the file still loads.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { ENTITY_NAMES, type EntityName } from '../../domain/contract/entities';
import type { ContractSource, RawRow, SourceFile, SourceRow } from '../../ports/source';
import { countCells, CsvScanner, RAW_EXCERPT, splitLine, type CsvSink } from './csv-scanner';

const FILE_NAME = /^([a-z_]+)\.(csv|ndjson|jsonl)(\.gz)?$/i;
const MAX_RECORD_BYTES = 1_000_000;
const REPLACEMENT_CHAR = '\uFFFD';
/**
 * 64 KB reads: a chunk's rows (~2,000) are all alive until the chunk is done, and with much larger
 * chunks the young-generation collector copies them again and again (1 MB chunks: 2.4x the GC time).
 */
const READ_CHUNK_BYTES = 1 << 16;

export type FileFormat = 'csv' | 'ndjson';

/** Which entity and format a file name stands for (`renewals.csv`, `usage.ndjson.gz`), if any. */
export function recogniseFile(name: string): { entity: EntityName; format: FileFormat; gzip: boolean } | undefined {
  const m = FILE_NAME.exec(basename(name));
  if (!m) return undefined;
  const entity = m[1]!.toLowerCase() as EntityName;
  if (!ENTITY_NAMES.includes(entity)) return undefined;
  return { entity, format: m[2]!.toLowerCase() === 'csv' ? 'csv' : 'ndjson', gzip: Boolean(m[3]) };
}

/** Rows of a byte stream in the given format, one at a time. */
export async function* readRows(input: Readable, format: FileFormat, gzip = false): AsyncGenerator<SourceRow> {
  for await (const batch of readRowBatches(input, format, gzip)) yield* batch;
}

/** Rows of a byte stream in the given format, a chunk's worth at a time (the fast path for large files). */
export async function* readRowBatches(input: Readable, format: FileFormat, gzip = false): AsyncGenerator<SourceRow[]> {
  const text = gzip ? input.pipe(createGunzip()) : input;
  if (gzip) input.on('error', (e) => text.destroy(e));
  if (format === 'csv') yield* readCsv(text, () => text.destroy());
  else for await (const row of readNdjson(text)) yield [row];
}

/**
 * A plain file's bytes read synchronously into one reused buffer: for a local CSV this is the whole
 * cost of reading (a stream adds an async step, a fresh buffer and a thread-pool round trip per chunk).
 */
function* fileChunks(path: string): Generator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) return;
      yield buffer.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** `stop`: called when nothing after a row can be read (the input is not needed any more). */
async function* readCsv(
  input: AsyncIterable<Buffer> | Iterable<Buffer>,
  stop: () => void,
): AsyncGenerator<SourceRow[]> {
  const scanner = new CsvScanner(MAX_RECORD_BYTES);
  const decoder = new StringDecoder('utf8');
  let header: CsvHeader | undefined;
  let rows: SourceRow[] = [];
  let stopped = false;
  const wrongCount = (line: number, columns: number, cells: number, raw: string): SourceRow => ({
    ok: false,
    error: {
      line,
      reason: `wrong number of columns: the header has ${columns}, this row has ${cells}`,
      raw: raw.slice(0, RAW_EXCERPT),
    },
  });
  // The first good record is the header; later ones become rows keyed by it.
  const sink: CsvSink = {
    record(line, fields, raw) {
      if (stopped) return;
      if (header === undefined) header = new CsvHeader(fields.map((h) => h.trim().toLowerCase()));
      else if (fields.length !== header.columns.length)
        rows.push(wrongCount(line, header.columns.length, fields.length, raw));
      else rows.push(new CsvRow(line, header, raw, 0, raw.length, false, fields));
    },
    plainLine(line, text, start, end) {
      if (stopped) return;
      if (header === undefined) {
        sink.record(line, splitLine(text, start, end), text.slice(start, end));
        return;
      }
      const cells = countCells(text, start, end);
      if (cells !== header.columns.length)
        rows.push(wrongCount(line, header.columns.length, cells, text.slice(start, end)));
      else rows.push(new CsvRow(line, header, text, start, end, true, undefined));
    },
    error(line, reason, raw, endOfFile) {
      if (stopped) return;
      rows.push({ ok: false, error: { line, reason, raw } });
      if (endOfFile || header === undefined) stopped = true;
    },
  };
  for await (const chunk of input) {
    scanner.push(decoder.write(chunk), sink);
    if (rows.length) {
      yield rows;
      rows = [];
    }
    if (stopped) {
      stop();
      return;
    }
  }
  scanner.push(decoder.end(), sink);
  scanner.end(sink);
  if (rows.length) yield rows;
}

class CsvHeader {
  /** Each row's fields object starts as a copy of this one: same shape for every row, and faster than adding keys. */
  readonly template: Record<string, string>;

  constructor(readonly columns: readonly string[]) {
    this.template = Object.fromEntries(columns.map((c) => [c, '']));
  }
}

/**
 * A CSV row: its text, its cells by position and by column name, each cut from the chunk's text on
 * first use (validators read a plain line as it is, or its cells by position). It is its own
 * SourceRow (`ok`, `row`): one object per row, not two.
 */
class CsvRow implements RawRow {
  readonly ok = true;
  private byName: Record<string, string> | undefined;

  /**
   * `plain`: the row is the quote-free line `text` from `start` to `end` (`cells` cut when asked);
   * else `text` is the record's raw text and `cells` its fields.
   */
  constructor(
    public line: number,
    private readonly header: CsvHeader,
    private readonly text: string,
    private readonly start: number,
    private readonly end: number,
    private readonly plain: boolean,
    private cells: string[] | undefined,
  ) {}

  get row(): RawRow {
    return this;
  }

  get raw(): string {
    return this.plain ? this.text.slice(this.start, this.end) : this.text;
  }

  get values(): readonly string[] {
    if (this.cells === undefined) this.cells = splitLine(this.text, this.start, this.end);
    return this.cells;
  }

  get lineText(): string | undefined {
    return this.plain ? this.text : undefined;
  }

  get lineStart(): number {
    return this.start;
  }

  get lineEnd(): number {
    return this.end;
  }

  get columns(): readonly string[] {
    return this.header.columns;
  }

  get fields(): Record<string, string> {
    if (this.byName === undefined) {
      const fields = { ...this.header.template };
      const { columns } = this.header;
      for (let i = 0; i < columns.length; i++) fields[columns[i]!] = this.values[i]!;
      this.byName = fields;
    }
    return this.byName;
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
      yield {
        ok: false,
        error: { line, reason: `the row is longer than ${MAX_RECORD_BYTES} bytes`, raw: text.slice(0, 2000) },
      };
      continue;
    }
    if (text.includes(REPLACEMENT_CHAR)) {
      yield {
        ok: false,
        error: { line, reason: 'contains bytes that are not valid UTF-8 (save the file as UTF-8)', raw: text },
      };
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
        rows: () => readRows(createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), kind.format, kind.gzip),
        rowBatches: () =>
          kind.format === 'csv' && !kind.gzip
            ? readCsv(fileChunks(path), () => {})
            : readRowBatches(createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), kind.format, kind.gzip),
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
