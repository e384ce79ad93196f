// Fan-out of large drop-zone files (docs/sources.md, "Large files"). One ingest invocation writes
// a few thousand rows a second, so a file of millions of rows would outlast Lambda's 15 minutes.
// Before a drop-zone source is ingested, every waiting file with more than `partRows` data rows is
// streamed once and written back as parts of `partRows` rows (each with the header) under
// `parts/<source>/...`; each part then arrives as its own object and is ingested by its own
// invocation. The original moves to processed/ once every part is written.
//
// Reruns are safe: part keys depend only on the object's content (its ETag) and the cut, so a
// split that stopped half-way and runs again overwrites the same parts; ingesting a part twice is
// an upsert of the same records.
import { RecordCutter, partKey, restOfIncoming, splitIdOf } from '../domain/sources/parts';
import type { DropZoneParts, SplittableFile } from '../ports/file-parts';
import type { RunLedger } from '../ports/run-ledger';
import { isInfrastructureError } from './ingest-source';
import { newRunId, recordRun, type RunContext } from './record-run';

export interface SplitLargeFilesOptions {
  /** The configured source (the parts' folder, the ledger's subject). */
  sourceName: string;
  /** Data rows per part; a file with more rows than this is split. */
  partRows: number;
  trigger?: string;
  runId?: string;
  now?: () => Date;
}

export interface SplitFileReport {
  key: string;
  /** Data rows (records) in the file. */
  rows: number;
  parts: string[];
  outcome: 'processed' | 'failed';
  settledTo?: string;
  error?: string;
}

export interface SplitLargeFilesResult {
  /** Set when a file was split (the split is a recorded run). */
  runId?: string;
  split: SplitFileReport[];
  /** Files small enough for one invocation: ingest them as they are. */
  kept: string[];
}

/** Splits the zone's large files into parts; returns which were split and which are kept whole. */
export async function splitLargeFiles(
  zone: DropZoneParts,
  deps: { ledger?: RunLedger },
  opts: SplitLargeFilesOptions,
): Promise<SplitLargeFilesResult> {
  const partRows = Math.max(1, Math.floor(opts.partRows));
  const kept: string[] = [];
  const large: { file: SplittableFile; etag?: string; bytes: number }[] = [];
  for (const file of await zone.splittable()) {
    const head = await zone.head(file.key);
    if (!head) continue; // gone: another run took it
    // Every row is at least two bytes (a character and a line end): a small plain file cannot be large.
    const mayBeLarge = file.gzip || head.bytes > 2 * partRows;
    if (mayBeLarge && (await hasMoreRecordsThan(zone, file, partRows)))
      large.push({ file, bytes: head.bytes, ...(head.etag ? { etag: head.etag } : {}) });
    else kept.push(file.key);
  }
  if (large.length === 0) return { split: [], kept };

  const runId = opts.runId ?? newRunId(opts.now?.() ?? new Date());
  const body = async (run: RunContext | undefined): Promise<SplitLargeFilesResult> => {
    const split: SplitFileReport[] = [];
    for (const { file, etag, bytes } of large) {
      const report = await splitOne(
        zone,
        file,
        { source: opts.sourceName, partRows, splitId: splitIdOf(etag, `b${bytes.toString(16)}`) },
        run,
      );
      split.push(report);
      report.settledTo = await zone.settle(file.key, report.outcome, runId);
      run?.count('files');
      run?.count('split.parts', report.parts.length);
      run?.count('split.rows', report.rows);
      if (report.outcome === 'failed') run?.count('filesFailed');
    }
    if (run) run.counts.written ??= 0;
    return { runId, split, kept };
  };
  if (!deps.ledger) return body(undefined);
  return recordRun(
    deps.ledger,
    {
      kind: 'ingest',
      subject: opts.sourceName,
      runId,
      ...(opts.trigger ? { trigger: opts.trigger } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    },
    body,
  );
}

/** The "is it large?" pass: reads only until `limit + 1` records. An unreadable file is not large (the ingest reports it). */
async function hasMoreRecordsThan(zone: DropZoneParts, file: SplittableFile, limit: number): Promise<boolean> {
  const cutter = new RecordCutter(file.format, limit, false);
  try {
    for await (const chunk of zone.text(file.key, file.gzip)) {
      cutter.feed(chunk);
      if (cutter.records > limit) return true;
    }
  } catch (err) {
    if (isInfrastructureError(err)) throw err;
    return false;
  }
  cutter.end();
  return cutter.records > limit;
}

async function splitOne(
  zone: DropZoneParts,
  file: SplittableFile,
  at: { source: string; partRows: number; splitId: string },
  run: RunContext | undefined,
): Promise<SplitFileReport> {
  const rest = restOfIncoming(file.key, at.source) ?? file.key.slice(file.key.lastIndexOf('/') + 1);
  const cutter = new RecordCutter(file.format, at.partRows);
  const report: SplitFileReport = { key: file.key, rows: 0, parts: [], outcome: 'processed' };
  const write = async (p: { part: number; lineOffset: number; text: string[] }) => {
    const key = partKey({ source: at.source, splitId: at.splitId, part: p.part, lineOffset: p.lineOffset, rest });
    await zone.putPart(key, p.text, file.gzip);
    report.parts.push(key);
  };
  try {
    for await (const chunk of zone.text(file.key, file.gzip)) {
      for (const p of cutter.feed(chunk)) await write(p);
    }
  } catch (err) {
    if (isInfrastructureError(err)) throw err;
    // The file cannot be read to the end (a corrupt gzip): the rows before the problem are in the
    // parts written so far and in the last one below; the file goes to failed/, the run fails.
    report.outcome = 'failed';
    report.error = (err as Error).message;
    run?.fail(
      `${file.key}: could not be read past row ${cutter.records}: ${report.error} (the rows before it are in ${report.parts.length + 1} part(s))`,
    );
  }
  const last = cutter.end();
  if (last) await write(last);
  report.rows = cutter.records;
  return report;
}

/**
 * Parts still waiting long after they were written: their invocation failed every one of Lambda's
 * retries (a throttled table, an outage). Each is announced again, so it gets a fresh invocation
 * of its own; the scheduled run calls this rather than ingesting the parts itself (which could
 * take longer than one invocation). A part announced twice is ingested twice: upserts, harmless.
 */
export async function redispatchWaitingParts(
  zone: DropZoneParts,
  opts: { sourceName: string; waitingLongerThanMs: number; now?: () => Date },
): Promise<string[]> {
  if (!zone.partsWaitingSince || !zone.redispatch) return [];
  const before = new Date((opts.now?.() ?? new Date()).getTime() - opts.waitingLongerThanMs);
  const keys = await zone.partsWaitingSince(opts.sourceName, before);
  for (const key of keys) await zone.redispatch(key);
  return keys;
}
