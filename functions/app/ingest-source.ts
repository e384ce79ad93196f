// Ingest one configured source as one recorded run: every file (a drop-zone object, an API
// resource) is read row by row, mapped onto the contract, validated and loaded in ordered chunks;
// then settled (moved to processed/ or failed/, or its high-water mark stored). Rejected rows go
// to the rejects report and are summarised in the run ledger.
//
// Failure semantics (what a rerun sees):
// - a bad row is rejected, the rest of the file loads;
// - a file that cannot be read to the end (corrupt gzip, bad JSON page, auth refused) loads the
//   rows read before the problem, is settled `failed`, and the run is marked failed;
// - a store or S3 error (the infrastructure) stops the run and leaves the file where it was:
//   loads are idempotent upserts, so the next run reloads it and ends with exactly the same items.
import { ENTITY_NAMES, entityKey, type EntityName, type EntityTypes } from '../domain/contract/entities';
import type { RowError, RowValidator } from '../domain/contract/validate';
import type { IsoWeekday } from '../domain/dates';
import { identityOf } from '../domain/sources/identity';
import { applyMapping, type EntityMapping } from '../domain/sources/mapping';
import type { RejectsReportWriter } from '../ports/rejects-report';
import type { RejectsSummary, RunLedger } from '../ports/run-ledger';
import type { ContractSource, FileOutcome, SourceFile, SourceRow } from '../ports/source';
import type { Store } from '../ports/store';
import { emptySummary, type LoadSummary } from './read-contract';
import { newRunId, recordRun, type RunContext } from './record-run';

export interface IngestSourceDeps {
  /** Where records go (an ingest writes; an export refuses, it never calls it). */
  store: Pick<Store, 'putRecords' | 'deleteRecords'>;
  validator: RowValidator;
  /** Records the run; without it the run is not recorded (tests, `pulse sources test`). */
  ledger?: RunLedger;
  /** Writes the rejects report; without it rejects are only returned. */
  rejects?: RejectsReportWriter;
}

export interface IngestSourceOptions {
  /** The configured source's name (the ledger's subject, the rejects report's `source`). */
  sourceName: string;
  /** Entities this source may yield; files of other entities are set aside as failed. */
  entities?: readonly EntityName[];
  mapping?: Partial<Record<EntityName, EntityMapping>>;
  timeZone: string;
  weekStartsOn: IsoWeekday;
  /** `schedule`, `upload`, `cli`, `demo` ... */
  trigger?: string;
  runId?: string;
  /** Operations buffered per entity before a write (default 1000). */
  chunkSize?: number;
  /** Read, map and validate only: nothing is written, moved or recorded. */
  dryRun?: boolean;
  /** Called with every valid row's contract columns (after mapping), e.g. to export them as files. */
  onValidRow?: (entity: EntityName, fields: Readonly<Record<string, unknown>>) => void | Promise<void>;
  onProgress?: (written: number, entity: EntityName) => void;
  now?: () => Date;
}

export interface FileReport {
  name: string;
  entity?: EntityName;
  /** `gone`: the object disappeared before it was read (another run took it). `ignored`: not a file of this source. */
  outcome: FileOutcome | 'gone' | 'ignored';
  /** Where the file went, or what was committed (a high-water mark). */
  settledTo?: string;
  error?: string;
}

export interface IngestSourceResult {
  runId: string;
  status: 'succeeded' | 'failed';
  summary: LoadSummary;
  /** Records upserted per entity (after the later-row-wins rule within each chunk). */
  written: Record<EntityName, number>;
  deleted: Record<EntityName, number>;
  files: FileReport[];
  rejectsLocation?: string;
  rejectsSummary?: RejectsSummary;
  /** The source stopped inside its time budget (a long backfill): run it again to continue. */
  continues?: boolean;
  /** The source's own counts (e.g. `unmatched`: records kept under their source id, no account matched). */
  sourceCounts?: Record<string, number>;
}

/** Thrown for errors of the infrastructure while reading (not the file's fault): the run stops. */
export function isInfrastructureError(err: unknown): boolean {
  const e = err as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; name?: string; code?: string };
  if (typeof e !== 'object' || e === null) return false;
  if (e.$metadata) {
    const status = e.$metadata.httpStatusCode ?? 0;
    return status === 0 || status >= 500 || status === 429 || Boolean(e.$retryable) || e.name === 'AccessDenied';
  }
  return e.code === 'ECONNRESET' || e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT';
}

const isGone = (err: unknown) => (err as { name?: string })?.name === 'NoSuchKey';

type Op<K extends EntityName> = { put: EntityTypes[K] } | { del: Partial<EntityTypes[K]> };

export async function ingestSource(
  source: ContractSource,
  deps: IngestSourceDeps,
  opts: IngestSourceOptions,
): Promise<IngestSourceResult> {
  const runId = opts.runId ?? newRunId(opts.now?.() ?? new Date());
  const body = (run: RunContext | undefined) => loadSource(source, deps, opts, runId, run);
  if (!deps.ledger || opts.dryRun) return body(undefined);
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

async function loadSource(
  source: ContractSource,
  deps: IngestSourceDeps,
  opts: IngestSourceOptions,
  runId: string,
  run: RunContext | undefined,
): Promise<IngestSourceResult> {
  const chunkSize = opts.chunkSize ?? 1000;
  const summary = emptySummary(source.description);
  const zero = () => Object.fromEntries(ENTITY_NAMES.map((e) => [e, 0])) as Record<EntityName, number>;
  const written = zero();
  const deleted = zero();
  const files: FileReport[] = [];
  const allowed = opts.entities ? new Set(opts.entities) : undefined;
  let failed = false;
  let total = 0;
  const problem = (message: string) => {
    failed = true;
    run?.fail(message);
  };

  const flush = async <K extends EntityName>(entity: K, ops: Map<string, Op<K>>) => {
    if (ops.size === 0) return;
    const puts: EntityTypes[K][] = [];
    const dels: Partial<EntityTypes[K]>[] = [];
    for (const op of ops.values()) {
      if ('put' in op) puts.push(op.put);
      else dels.push(op.del);
    }
    ops.clear();
    if (opts.dryRun) return;
    // Keys within one chunk are distinct (later op wins), so puts and deletes commute.
    if (puts.length) await deps.store.putRecords(entity, puts);
    if (dels.length) {
      if (!deps.store.deleteRecords)
        throw new Error(`the store cannot delete records (source "${opts.sourceName}" sent deletes)`);
      await deps.store.deleteRecords(entity, dels);
    }
    written[entity] += puts.length;
    deleted[entity] += dels.length;
    total += puts.length + dels.length;
    opts.onProgress?.(total, entity);
  };

  const settle = async (
    file: { name: string; settle?: SourceFile['settle'] },
    outcome: FileOutcome,
    report: FileReport,
  ) => {
    if (opts.dryRun || !file.settle) return;
    try {
      report.settledTo = await file.settle(outcome, runId);
    } catch (err) {
      // The rows are stored; the file stays where it was and the next run reloads it (idempotent).
      problem(`${file.name}: loaded, but could not be moved to ${outcome}/: ${(err as Error).message}`);
    }
  };

  for await (const file of source.files()) {
    const report: FileReport = { name: file.name, entity: file.entity, outcome: 'processed' };
    files.push(report);
    if (allowed && !allowed.has(file.entity)) {
      report.outcome = 'ignored';
      report.error = `${file.entity} is not an entity of source "${opts.sourceName}"`;
      summary.ignoredFiles.push(file.name);
      problem(`${file.name}: ${report.error}`);
      await settle(file, 'failed', report);
      continue;
    }
    const count = summary.counts[file.entity];
    count.files.push(file.name);
    const mapping = opts.mapping?.[file.entity];
    const ops = new Map<string, Op<typeof file.entity>>();
    const keyOf = entityKey[file.entity] as (r: Partial<EntityTypes[EntityName]>) => string;
    const before = { valid: count.valid, rows: count.rows };
    let lastLine = 0;
    let readError: unknown;

    const reject = (line: number, errors: { field: string; reason: string }[], raw: string | undefined) => {
      count.rejected++;
      for (const e of errors)
        summary.rejects.push({
          file: file.name,
          line,
          field: e.field,
          reason: e.reason,
          ...(raw !== undefined ? { raw } : {}),
        });
    };

    const iterator = file.rows()[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<SourceRow>;
      try {
        next = await iterator.next();
      } catch (err) {
        readError = err;
        break;
      }
      if (next.done) break;
      const item = next.value;
      count.rows++;
      if (!item.ok) {
        lastLine = item.error.line;
        reject(item.error.line, [{ field: item.error.field ?? '*', reason: item.error.reason }], item.error.raw);
        continue;
      }
      lastLine = item.row.line;
      const mapped = applyMapping(item.row.fields, mapping, { timeZone: opts.timeZone });
      if (!mapped.ok) {
        reject(item.row.line, mapped.errors, item.row.raw);
        continue;
      }
      if (mapped.deleted || item.row.deleted) {
        const id = identityOf(file.entity, mapped.fields, opts.weekStartsOn);
        if (!id.ok) {
          reject(item.row.line, id.errors, item.row.raw);
          continue;
        }
        count.valid++;
        const key = keyOf(id.record);
        ops.delete(key);
        ops.set(key, { del: id.record });
      } else {
        const result = deps.validator.validate(file.entity, mapped.fields);
        if (!result.ok) {
          reject(item.row.line, result.errors, item.row.raw);
          continue;
        }
        count.valid++;
        if (opts.onValidRow) await opts.onValidRow(file.entity, mapped.fields);
        const key = keyOf(result.record);
        ops.delete(key);
        ops.set(key, { put: result.record });
      }
      if (ops.size >= chunkSize) await flush(file.entity, ops);
    }

    if (readError !== undefined) {
      if (isGone(readError)) {
        report.outcome = 'gone';
        report.error = 'the object was gone before it could be read (another run took it)';
        run?.error(`${file.name}: ${report.error}`);
        continue;
      }
      if (isInfrastructureError(readError)) throw readError;
    }
    // Everything read before a problem is valid data: store it.
    await flush(file.entity, ops);

    if (readError !== undefined) {
      const message = readError instanceof Error ? readError.message : String(readError);
      report.outcome = 'failed';
      report.error = message;
      summary.rejects.push({
        file: file.name,
        line: lastLine + 1,
        field: '*',
        reason: `the rest of the file could not be read: ${message}`,
      });
      problem(`${file.name}: could not be read past line ${lastLine}: ${message}`);
      await settle(file, 'failed', report);
      continue;
    }
    const rows = count.rows - before.rows;
    const valid = count.valid - before.valid;
    if (rows > 0 && valid === 0) {
      report.outcome = 'failed';
      report.error = `none of its ${rows} row(s) is valid`;
      problem(`${file.name}: ${report.error}`);
      await settle(file, 'failed', report);
      continue;
    }
    await settle(file, 'processed', report);
  }

  for (const name of await source.ignored()) {
    const report: FileReport = {
      name,
      outcome: 'ignored',
      error: 'not a file of this source (name or entity not recognised)',
    };
    files.push(report);
    summary.ignoredFiles.push(name);
    problem(`${name}: ${report.error}`);
    if (!opts.dryRun && source.settleIgnored) {
      try {
        report.settledTo = await source.settleIgnored(name, runId);
      } catch (err) {
        run?.error(`${name}: could not be moved to failed/: ${(err as Error).message}`);
      }
    }
  }

  const result: IngestSourceResult = {
    runId,
    status: failed ? 'failed' : 'succeeded',
    summary,
    written,
    deleted,
    files,
  };
  if (source.continues?.()) {
    result.continues = true;
    run?.count('continues', 1);
  }
  const own = source.counts?.();
  if (own && Object.keys(own).length) {
    result.sourceCounts = own;
    for (const [name, n] of Object.entries(own)) run?.count(name, n);
  }
  if (summary.rejects.length) {
    result.rejectsSummary = summariseRejects(summary);
    if (deps.rejects && !opts.dryRun) {
      result.rejectsLocation = await deps.rejects.write(runId, opts.sourceName, summary.rejects);
      result.rejectsSummary.location = result.rejectsLocation;
    }
  }
  if (run) {
    const c = (name: string, n: number) => n && run.count(name, n);
    c('files', files.filter((f) => f.outcome === 'processed' || f.outcome === 'failed').length);
    c('filesFailed', files.filter((f) => f.outcome === 'failed').length);
    c('filesIgnored', files.filter((f) => f.outcome === 'ignored').length);
    for (const e of ENTITY_NAMES) {
      c('rows', summary.counts[e].rows);
      c('valid', summary.counts[e].valid);
      c('rejected', summary.counts[e].rejected);
      c('written', written[e]);
      c('deleted', deleted[e]);
      c(`written.${e}`, written[e]);
    }
    run.counts.rows ??= 0;
    run.counts.written ??= 0;
    if (result.rejectsSummary) run.rejects = result.rejectsSummary;
  }
  return result;
}

/** The ledger's summary of the rejects: rows, problems, and problems per entity field. */
export function summariseRejects(summary: LoadSummary): RejectsSummary {
  const entityOf = new Map<string, EntityName>();
  for (const e of ENTITY_NAMES) for (const f of summary.counts[e].files) entityOf.set(f, e);
  const byField = new Map<string, number>();
  for (const r of summary.rejects as RowError[]) {
    const k = `${entityOf.get(r.file) ?? '?'}.${r.field}`;
    byField.set(k, (byField.get(k) ?? 0) + 1);
  }
  const top = [...byField.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10);
  return {
    rows: ENTITY_NAMES.reduce((n, e) => n + summary.counts[e].rejected, 0),
    problems: summary.rejects.length,
    byField: Object.fromEntries(top),
  };
}
