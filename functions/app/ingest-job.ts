// The ingest job: what the ingest Lambda function, `pulse sources sync` and `pulse demo` run. It
// turns a request (objects uploaded to the drop-zone, a scheduled time, or one named source) into
// recorded ingest runs, one per source:
//
// - uploads are grouped by source folder (`incoming/<source>/...`, or `parts/<source>/...` for
//   parts of a split); files under a folder no drop-zone source is configured for are set aside
//   under failed/ as a failed run; a source with `onUpload: false` leaves its uploads waiting for
//   the schedule, but parts (made by a split) are always ingested;
// - a drop-zone source first has its large files split into parts of `ingest.partRows` rows (a
//   recorded run of its own when anything was split, functions/app/split-large-files.ts); a split
//   that failed half-way leaves the file in incoming/ and nothing of it is ingested whole;
// - the parts are then ingested one run each: `announced` (the Lambda function and the deployed
//   stack: each part's object-created event invokes the function) or `inline` (the embedded local
//   stack, which sends no events: the parts are ingested here, one run per part);
// - the schedule also re-announces parts still waiting an hour after they were written (their own
//   invocation failed every retry); inline, every part still waiting is ingested here;
// - when a run wrote data, the alerts job is asked to send critical alerts at once.
//
// Infrastructure errors are recorded as failed runs and collected in `failures` (the other sources
// still run); the Lambda handler throws them (failOnInfrastructureErrors) so Lambda retries.
import type { PulseConfig } from '../config';
import type { EntityName } from '../domain/contract/entities';
import type { RowValidator } from '../domain/contract/validate';
import { weekdayNumber, type IsoWeekday } from '../domain/dates';
import type { EntityMapping } from '../domain/sources/mapping';
import { parsePartKey, sourceOfDropZoneKey } from '../domain/sources/parts';
import type { DropZoneSourceDefinition, SourceDefinition } from '../domain/sources/registry';
import { dueSources } from '../domain/sources/schedule';
import type { RejectsReportWriter } from '../ports/rejects-report';
import type { RunLedger } from '../ports/run-ledger';
import type { CriticalAlertsTrigger, SourceContinuation, SourceConnector } from '../ports/source-connector';
import type { Store } from '../ports/store';
import { ingestSource, type IngestSourceResult } from './ingest-source';
import { recordRun } from './record-run';
import { redispatchWaitingParts, splitLargeFiles } from './split-large-files';

/** A part waiting longer than this (four times the function's 15-minute timeout) is announced again by the schedule. */
export const PARTS_WAITING_MS = 60 * 60 * 1000;

export interface IngestJobDeps {
  store: Store;
  validator: RowValidator;
  ledger: RunLedger;
  rejects: RejectsReportWriter;
  connector: SourceConnector;
  /** Asked to send critical alerts after a run wrote data (the deployed stack); absent: nobody is asked. */
  alerts?: CriticalAlertsTrigger;
  /** Runs a source again when its run stopped inside its time budget (the deployed stack); absent: the next scheduled run continues. */
  continuation?: SourceContinuation;
  /** One line per event (a run finished, a split, parts announced again); the handler logs JSON. */
  log?: IngestLog;
}

export type IngestLog = (level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: Record<string, unknown>) => void;

export interface IngestRequest {
  /** Drop-zone keys (decoded) from S3 "object created" events. */
  uploads?: string[];
  /** Run only this configured source now (a manual invocation, `pulse sources sync`). */
  source?: string;
  /** With `source`: ignore the HTTP high-water marks. */
  full?: boolean;
  /** EventBridge Scheduler's scheduled time: the sources due then (neither uploads nor source: every scheduled source). */
  scheduledTime?: string;
  /** Recorded in the run ledger; default `upload`, `part`, `schedule` or `manual` by the request. */
  trigger?: string;
  /** How the parts of a split are ingested (see the top of this file). */
  parts: 'announced' | 'inline';
  /** Milliseconds the invocation has left (Lambda's context), passed on to connectors that checkpoint. */
  remainingMs?: () => number;
  /** Records written so far by the current run (a progress bar). */
  onProgress?: (written: number, entity: EntityName) => void;
}

/** One recorded run (or a skip), as the handler returns it and the logs show it. */
export interface IngestRunOutcome {
  source: string;
  runId?: string;
  status: 'succeeded' | 'failed' | 'skipped';
  written?: number;
  rejected?: number;
  rejects?: string;
  error?: string;
  /** A split of large files: how many files, into how many parts (each ingested by a run of its own). */
  split?: { files: number; parts: number };
  /** The source stopped inside its time budget; another run continues where it stopped. */
  continues?: boolean;
}

export interface IngestJobResult {
  runs: IngestRunOutcome[];
  /** The full result of every ingest run, in order (what the CLI prints). */
  ingested: IngestSourceResult[];
  /** Parts announced again (announced mode, on the schedule). */
  redispatched: string[];
  /** Infrastructure errors: each run was recorded as failed, its files left where they were. */
  failures: unknown[];
}

export class IngestRequestError extends Error {
  override readonly name = 'IngestRequestError';
  readonly code = 'NO_SUCH_SOURCE';
}

/** The ingest options of a configured source. */
export function sourceIngestOptions(
  def: SourceDefinition,
  config: Pick<PulseConfig, 'company'>,
): {
  sourceName: string;
  entities: readonly EntityName[];
  mapping: Partial<Record<EntityName, EntityMapping>>;
  timeZone: string;
  weekStartsOn: IsoWeekday;
} {
  return {
    sourceName: def.name,
    entities: def.entities,
    mapping: def.mapping,
    timeZone: config.company.timezone,
    weekStartsOn: weekdayNumber(config.company.weekStartsOn),
  };
}

const STRAY = '(incoming/)';

export async function runIngestJob(
  deps: IngestJobDeps,
  config: PulseConfig,
  request: IngestRequest,
): Promise<IngestJobResult> {
  const log: IngestLog = deps.log ?? (() => undefined);
  const result: IngestJobResult = { runs: [], ingested: [], redispatched: [], failures: [] };

  /** Runs one recorded run; an error thrown is an infrastructure failure (recorded by the run itself). */
  const attempt = async (name: string, trigger: string, fn: () => Promise<void>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (err) {
      result.failures.push(err);
      result.runs.push({ source: name, status: 'failed', error: (err as Error).message });
      log('ERROR', 'ingest run failed', { trigger, source: name, error: (err as Error).message });
      return false;
    }
  };

  const ingest = (def: SourceDefinition, trigger: string, connect: { keys?: string[]; full?: boolean }) =>
    attempt(def.name, trigger, async () => {
      const r = await ingestSource(
        deps.connector.connect(def, {
          ...connect,
          ...(request.remainingMs ? { remainingMs: request.remainingMs } : {}),
        }),
        { store: deps.store, validator: deps.validator, ledger: deps.ledger, rejects: deps.rejects },
        {
          ...sourceIngestOptions(def, config),
          trigger,
          ...(request.onProgress ? { onProgress: request.onProgress } : {}),
        },
      );
      result.ingested.push(r);
      const outcome: IngestRunOutcome = {
        source: def.name,
        runId: r.runId,
        status: r.status,
        written: Object.values(r.written).reduce((a, b) => a + b, 0),
        rejected: r.rejectsSummary?.rows ?? 0,
        ...(r.rejectsLocation ? { rejects: r.rejectsLocation } : {}),
        ...(r.continues ? { continues: true } : {}),
      };
      result.runs.push(outcome);
      log(r.status === 'succeeded' ? 'INFO' : 'WARN', 'ingest run finished', { trigger, ...outcome });
      if (r.continues && r.status === 'succeeded' && deps.continuation) {
        await deps.continuation.continueSource(def.name);
        log('INFO', 'the source continues in a new invocation', { trigger, source: def.name, runId: r.runId });
      }
    });

  /**
   * A drop-zone source: split its large files (only those of `keys` when given, else every file
   * waiting), ingest what is left whole, then the parts (inline) or leave them to their events.
   */
  const runDropZone = async (def: DropZoneSourceDefinition, trigger: string, keys?: string[]) => {
    const incoming = keys?.filter((k) => !parsePartKey(k));
    let remaining = keys;
    const partsHere: string[] = [];
    if (!keys || incoming!.length) {
      const zone = deps.connector.dropZone(def, incoming);
      let splitKeys = new Set<string>();
      const ok = await attempt(def.name, trigger, async () => {
        const out = await splitLargeFiles(
          zone,
          { ledger: deps.ledger },
          { sourceName: def.name, partRows: config.ingest.partRows, trigger },
        );
        if (!out.runId) return;
        splitKeys = new Set(out.split.map((f) => f.key));
        partsHere.push(...out.split.flatMap((f) => f.parts));
        const failed = out.split.some((f) => f.outcome === 'failed');
        const outcome: IngestRunOutcome = {
          source: def.name,
          runId: out.runId,
          status: failed ? 'failed' : 'succeeded',
          written: 0,
          split: { files: out.split.length, parts: partsHere.length },
        };
        result.runs.push(outcome);
        log(failed ? 'WARN' : 'INFO', 'large files split into parts', {
          trigger,
          ...outcome,
          files: out.split.map((f) => ({ key: f.key, rows: f.rows, parts: f.parts.length, settledTo: f.settledTo })),
        });
      });
      // A split that failed half-way leaves the file in incoming/: never ingest it whole instead.
      if (!ok) return;
      if (!keys && request.parts === 'inline' && zone.partsWaitingSince) {
        // A run over the whole folder also takes the parts an earlier run left waiting.
        partsHere.push(...(await zone.partsWaitingSince(def.name, new Date(Date.now() + 1000))));
      } else if (!keys) {
        // The schedule also re-announces parts whose own invocation failed every retry.
        try {
          const again = await redispatchWaitingParts(zone, {
            sourceName: def.name,
            waitingLongerThanMs: PARTS_WAITING_MS,
          });
          result.redispatched.push(...again);
          if (again.length)
            log('WARN', 'parts still waiting were announced again', { trigger, source: def.name, parts: again });
        } catch (err) {
          log('ERROR', 'could not announce waiting parts again', {
            trigger,
            source: def.name,
            error: (err as Error).message,
          });
        }
      }
      remaining = keys?.filter((k) => !splitKeys.has(k));
    }
    if (!remaining || remaining.length) await ingest(def, trigger, remaining ? { keys: remaining } : {});
    // Inline (no events here): every part is its own run, as its own invocation would be in AWS.
    if (request.parts === 'inline')
      for (const key of [...new Set(partsHere)].sort()) await ingest(def, 'part', { keys: [key] });
  };

  if (request.uploads?.length) {
    const bySource = new Map<string, string[]>();
    for (const key of request.uploads) {
      const name = sourceOfDropZoneKey(key) ?? '';
      bySource.set(name, [...(bySource.get(name) ?? []), key]);
    }
    for (const [name, keys] of bySource) {
      const def = config.sources.find(
        (s): s is DropZoneSourceDefinition => s.name === name && s.connector === 's3-dropzone',
      );
      if (!def) {
        await attempt(name || STRAY, 'upload', () => setAsideStray(deps, result, log, name, keys));
        continue;
      }
      // Parts come from a split this job made: always ingested, whatever onUpload says.
      const parts = keys.filter((k) => parsePartKey(k));
      const wanted = def.onUpload ? keys : parts;
      if (wanted.length < keys.length)
        result.runs.push({
          source: name,
          status: 'skipped',
          error: 'onUpload is false: the files wait for the schedule',
        });
      if (wanted.length === 0) continue;
      await runDropZone(def, request.trigger ?? (parts.length === wanted.length ? 'part' : 'upload'), wanted);
    }
  } else {
    const due = request.source
      ? config.sources.filter((s) => s.name === request.source)
      : dueSources(config, request.scheduledTime);
    if (request.source && due.length === 0) {
      const names = config.sources.map((s) => s.name);
      throw new IngestRequestError(
        `no source named "${request.source}" in the config${names.length ? ` (sources: ${names.join(', ')})` : ' (it has no "sources" yet; see docs/sources.md)'}`,
      );
    }
    const trigger = request.trigger ?? (request.scheduledTime ? 'schedule' : 'manual');
    for (const def of due) {
      if (def.connector === 's3-dropzone') await runDropZone(def, trigger);
      else await ingest(def, trigger, { full: Boolean(request.full) });
    }
  }

  const wrote = result.runs.filter((r) => r.status === 'succeeded' && (r.written ?? 0) > 0);
  if (deps.alerts && wrote.length) {
    try {
      await deps.alerts.critical(`ingest of ${[...new Set(wrote.map((r) => r.source))].join(', ')}`);
    } catch (err) {
      // The data is in; the next digest run still sends what is critical. Say so, loudly.
      log('ERROR', 'could not trigger the critical alerts after ingest', { error: (err as Error).message });
    }
  }
  return result;
}

/** The job's infrastructure failures as one error to throw (so Lambda retries the invocation); nothing when there were none. */
export function failOnInfrastructureErrors(result: IngestJobResult): void {
  const thrown = result.failures;
  if (thrown.length === 1) throw thrown[0];
  if (thrown.length > 1)
    throw new AggregateError(
      thrown,
      `${thrown.length} ingest runs failed: ${thrown.map((e) => (e as Error).message).join('; ')}`,
    );
}

/** Files under a folder no source is configured for: recorded as a failed run and set aside under failed/. */
async function setAsideStray(
  deps: IngestJobDeps,
  result: IngestJobResult,
  log: IngestLog,
  name: string,
  keys: string[],
): Promise<void> {
  const subject = name || STRAY;
  const runId = await recordRun(deps.ledger, { kind: 'ingest', subject, trigger: 'upload' }, async (run) => {
    run.fail(
      name
        ? `no s3-dropzone source named "${name}" in pulse.config.json: ${keys.length} file(s) set aside under failed/${run.runId}/`
        : `files must be uploaded under incoming/<source>/: ${keys.length} file(s) set aside under failed/${run.runId}/`,
    );
    for (const key of keys) {
      try {
        await deps.connector.setAside(key, run.runId);
      } catch (err) {
        run.error(`${key}: could not be moved: ${(err as Error).message}`);
      }
    }
    run.count('filesIgnored', keys.length);
    return run.runId;
  });
  const outcome: IngestRunOutcome = { source: subject, runId, status: 'failed', written: 0, rejected: 0 };
  result.runs.push(outcome);
  log('WARN', 'ingest run finished', { trigger: 'upload', ...outcome });
}
