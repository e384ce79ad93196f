// Parts of a large drop-zone file (docs/sources.md, "Large files"). A file with more rows than the
// part size is cut, at record boundaries, into parts that each carry the header; each part is
// ingested by its own invocation. A part's key says where it came from, so its rejects name the
// original file and the original line numbers:
//
//   parts/<source>/<splitId>/<part, 5 digits>-L<line offset>/<the rest of the original key>
//   incoming/billing/2026/usage.csv.gz -> parts/billing/9f2c41d0aa3e/00002-L500000/2026/usage.csv.gz
//
// `splitId` comes from the object's ETag, so splitting the same content again writes the same keys
// (a rerun overwrites, never duplicates). A data line `n` of a part (n >= 2 for CSV, after its
// header line) is line `n + offset` of the original; NDJSON parts have no header.

export const PARTS_PREFIX = 'parts/';
const INCOMING = 'incoming/';

export interface PartKey {
  source: string;
  splitId: string;
  /** 1-based. */
  part: number;
  /** Original line = part line + lineOffset (data lines; a CSV part's line 1 is the header). */
  lineOffset: number;
  /** The original key after `incoming/<source>/` (sub-folders and file name). */
  rest: string;
}

export function partKey(p: PartKey): string {
  return `${PARTS_PREFIX}${p.source}/${p.splitId}/${String(p.part).padStart(5, '0')}-L${p.lineOffset}/${p.rest}`;
}

const PART_KEY = /^parts\/([^/]+)\/([^/]+)\/(\d+)-L(\d+)\/(.+)$/;

/** The parts of a part key, or undefined when the key is not a part. */
export function parsePartKey(key: string): PartKey | undefined {
  const m = PART_KEY.exec(key);
  if (!m) return undefined;
  return { source: m[1]!, splitId: m[2]!, part: Number(m[3]), lineOffset: Number(m[4]), rest: m[5]! };
}

/** The key the part was cut from: `incoming/<source>/<rest>`. */
export const originalKeyOfPart = (p: PartKey): string => `${INCOMING}${p.source}/${p.rest}`;

/**
 * The source a drop-zone key belongs to: `incoming/<source>/...` or a part `parts/<source>/...`;
 * undefined for a key outside every source folder (e.g. straight under `incoming/`).
 */
export function sourceOfDropZoneKey(key: string): string | undefined {
  const part = parsePartKey(key);
  if (part) return part.source;
  if (!key.startsWith(INCOMING)) return undefined;
  const slash = key.indexOf('/', INCOMING.length);
  return slash > INCOMING.length ? key.slice(INCOMING.length, slash) : undefined;
}

/** `incoming/<source>/<rest>` -> `<rest>`; undefined for a key outside the source's folder. */
export function restOfIncoming(key: string, source: string): string | undefined {
  const prefix = `${INCOMING}${source}/`;
  return key.startsWith(prefix) && key.length > prefix.length ? key.slice(prefix.length) : undefined;
}

/** A split id from an object's ETag (lower-case hex, 12 characters; quotes and `-N` dropped). */
export function splitIdOf(etag: string | undefined, fallback: string): string {
  const hex = (etag ?? '').toLowerCase().replace(/[^0-9a-f]/g, '');
  return hex.length >= 8 ? hex.slice(0, 12) : fallback;
}

export interface CutPart {
  /** 1-based. */
  part: number;
  lineOffset: number;
  /** Data records in the part. */
  records: number;
  /** The part's text: the header (CSV) and then its records, as in the original. */
  text: string[];
}

/**
 * Cuts a text stream into parts of `partRows` records at record boundaries, without parsing the
 * records: a CSV record ends at a line end outside double quotes (RFC 4180: an escaped quote `""`
 * keeps the count even), an NDJSON record at every line end. Bytes are copied as they are (CRLF,
 * BOM, quoting). With `keep: false` it only counts records (the "is this file large?" pass).
 */
export class RecordCutter {
  /** Data records seen so far (a CSV header is not a record). */
  records = 0;
  private inQuotes = false;
  /** Physical lines completed (ended by `\n`). */
  private lines = 0;
  private header: string | undefined;
  private headerText = '';
  private headerLines = 0;
  private buf: string[] = [];
  /** Characters in `buf`. */
  private bufChars = 0;
  private inPart = 0;
  private part = 0;
  private partFirstLine = 1;
  /** Text after the last record end (an unterminated last line, an unclosed quote). */
  private open = false;

  /**
   * @param maxPartChars a part is also cut, at the next record end, once it holds this many
   *   characters: memory stays bounded however wide the rows (a part is written whole).
   */
  constructor(
    private readonly format: 'csv' | 'ndjson',
    private readonly partRows: number,
    private readonly keep = true,
    private readonly maxPartChars = 64 * 1024 * 1024,
  ) {
    if (format === 'ndjson') this.header = '';
  }

  /** Feeds one chunk of text; returns the parts completed by it. */
  feed(chunk: string): CutPart[] {
    const out: CutPart[] = [];
    if (chunk.length === 0) return out;
    const csv = this.format === 'csv';
    let from = 0;
    let i = 0;
    /** Where the last record (or the header) ended in this chunk; -1: none did. */
    let recordEnd = -1;
    for (;;) {
      const nl = chunk.indexOf('\n', i);
      const end = nl < 0 ? chunk.length : nl;
      if (csv) {
        for (let q = chunk.indexOf('"', i); q >= 0 && q < end; q = chunk.indexOf('"', q + 1))
          this.inQuotes = !this.inQuotes;
      }
      if (nl < 0) break;
      this.lines++;
      i = nl + 1;
      if (this.inQuotes) continue;
      recordEnd = i;
      if (this.header === undefined) {
        this.header = this.headerText + chunk.slice(from, i);
        this.headerText = '';
        this.headerLines = this.lines;
        this.partFirstLine = this.lines + 1;
        from = i;
        continue;
      }
      this.records++;
      this.inPart++;
      if (this.inPart === this.partRows || (this.keep && this.bufChars + (i - from) >= this.maxPartChars)) {
        if (this.keep) this.buf.push(chunk.slice(from, i));
        from = i;
        out.push(this.cut());
      }
    }
    if (from < chunk.length) {
      if (this.header === undefined) this.headerText += chunk.slice(from);
      else if (this.keep) {
        this.buf.push(chunk.slice(from));
        this.bufChars += chunk.length - from;
      }
    }
    this.open = this.header !== undefined && (recordEnd < 0 || recordEnd < chunk.length);
    return out;
  }

  /** The last part (records after the last full part, and an unterminated last line), if any. */
  end(): CutPart | undefined {
    if (this.open) {
      // Kept whole: the reader judges it (a last line without a line end, or an unclosed quote).
      this.records++;
      this.inPart++;
      this.open = false;
    }
    if (this.header === undefined) {
      // A header without a line end and no data: nothing to cut.
      return undefined;
    }
    return this.inPart > 0 ? this.cut() : undefined;
  }

  private cut(): CutPart {
    this.part++;
    const lineOffset = this.partFirstLine - (this.format === 'csv' ? this.headerLines + 1 : 1);
    const text = this.keep ? [this.header ?? '', ...this.buf] : [];
    const part: CutPart = { part: this.part, lineOffset, records: this.inPart, text };
    this.buf = [];
    this.bufChars = 0;
    this.inPart = 0;
    this.partFirstLine = this.lines + 1;
    return part;
  }
}
