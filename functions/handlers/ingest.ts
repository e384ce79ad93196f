// Ingest: on an S3 "object created" event, the new objects of each drop-zone source
// (`incoming/<source>/...`); on a schedule, every source due at the scheduled time (drop-zone
// folders and HTTP APIs). Each source is one recorded run (the run ledger); files are moved to
// processed/ or failed/, rejects written to the rejects bucket. When a run wrote data, the alert
// function is asked to send critical alerts at once (the digests follow on their schedule).
//
// Large files fan out: before a drop-zone source is ingested, files with more than
// `ingest.partRows` rows are split into parts under `parts/<source>/` (functions/app/split-large-files.ts);
// each part's "object created" event invokes this function again, which ingests that part alone.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbSyncState } from '../adapters/dynamodb/sync-state';
import { LambdaAlertsTrigger } from '../adapters/lambda/alerts-trigger';
import { DropZoneSource, patternRecogniser } from '../adapters/s3/dropzone-source';
import { S3RejectsReport } from '../adapters/s3/rejects-report';
import { connectSource, dropZonePrefix, sourceIngestOptions, sourceNameOfKey, type ConnectDeps } from '../adapters/sources/connect';
import { EnvSecrets, SecretChain, SecretsManagerSecrets } from '../adapters/sources/http/credentials';
import { ingestSource, type IngestSourceResult } from '../app/ingest-source';
import { emptySummary } from '../app/read-contract';
import { recordRun } from '../app/record-run';
import { redispatchWaitingParts, splitLargeFiles } from '../app/split-large-files';
import { parsePartKey } from '../domain/sources/parts';
import type { SourceDefinition } from '../domain/sources/registry';
import { dueSources } from '../domain/sources/schedule';
import type { RunLedger } from '../ports/run-ledger';
import { getRuntime, type Runtime } from './runtime';

interface S3EventRecord {
  s3: { bucket: { name: string }; object: { key: string } };
}

export interface IngestEvent {
  Records?: S3EventRecord[];
  /** EventBridge Scheduler's scheduled time (the schedule's input). */
  scheduledTime?: string;
  /** A manual invocation: run only this source. */
  source?: string;
  /** A manual invocation: ignore HTTP high-water marks. */
  full?: boolean;
}

export interface IngestRunOutcome {
  source: string;
  runId?: string;
  status: 'succeeded' | 'failed' | 'skipped';
  written?: number;
  rejected?: number;
  rejects?: string;
  error?: string;
  /** A split of large files: how many files, into how many parts (each ingested by its own invocation). */
  split?: { files: number; parts: number };
}

interface IngestWiring {
  runtime: Runtime;
  ledger: RunLedger;
  deps: ConnectDeps;
  rejects: S3RejectsReport;
  alerts?: LambdaAlertsTrigger;
}

let wiring: IngestWiring | undefined;

function getWiring(): IngestWiring {
  if (wiring) return wiring;
  const runtime = getRuntime();
  const dynamodb = new DynamoDBClient({});
  const tableName = runtime.env.PULSE_TABLE;
  wiring = {
    runtime,
    ledger: runtime.runLedger,
    rejects: new S3RejectsReport({ client: runtime.s3, bucket: runtime.env.PULSE_REJECTS_BUCKET }),
    ...(runtime.env.PULSE_ALERTS_FUNCTION ? { alerts: new LambdaAlertsTrigger(new LambdaClient({}), runtime.env.PULSE_ALERTS_FUNCTION) } : {}),
    deps: {
      s3: runtime.s3,
      dropzoneBucket: runtime.env.PULSE_DROPZONE_BUCKET,
      // Secrets Manager in AWS; PULSE_SECRET_<ID> variables win (handy for a quick test deploy).
      secrets: new SecretChain([new EnvSecrets(), new SecretsManagerSecrets(new SecretsManagerClient({}))]),
      syncState: new DynamoDbSyncState({ client: dynamodb, tableName }),
    },
  };
  return wiring;
}

/** A part waiting longer than this (four times the function's 15-minute timeout) is announced again by the schedule. */
const PARTS_WAITING_MS = 60 * 60 * 1000;

/** One JSON line per event; warnings and errors on stderr. */
const log = (level: 'INFO' | 'WARN' | 'ERROR', message: string, extra: Record<string, unknown> = {}) =>
  (level === 'INFO' ? console.log : console.error)(JSON.stringify({ level, message, ...extra }));

export async function handler(event: IngestEvent = {}): Promise<{ runs: IngestRunOutcome[] }> {
  const { runtime, ledger, deps, rejects, alerts } = getWiring();
  const { config, store, validator } = runtime;
  const runs: IngestRunOutcome[] = [];
  const thrown: unknown[] = [];

  const runOne = async (name: string, trigger: string, fn: () => Promise<IngestSourceResult | undefined>): Promise<boolean> => {
    try {
      const r = await fn();
      if (!r) return true;
      const outcome: IngestRunOutcome = {
        source: name,
        runId: r.runId,
        status: r.status,
        written: Object.values(r.written).reduce((a, b) => a + b, 0),
        rejected: r.rejectsSummary?.rows ?? 0,
        ...(r.rejectsLocation ? { rejects: r.rejectsLocation } : {}),
      };
      runs.push(outcome);
      log(r.status === 'succeeded' ? 'INFO' : 'WARN', 'ingest run finished', { trigger, ...outcome });
      return true;
    } catch (err) {
      // Infrastructure trouble: the run is recorded as failed and its files stay in incoming/.
      thrown.push(err);
      runs.push({ source: name, status: 'failed', error: (err as Error).message });
      log('ERROR', 'ingest run failed', { trigger, source: name, error: (err as Error).message });
      return false;
    }
  };

  /**
   * A drop-zone source: first split its large files into parts (a recorded run of its own when
   * anything was split), then ingest what is left (`keys`: only these objects; else a listing).
   */
  const runDropZone = async (def: SourceDefinition & { connector: 's3-dropzone' }, trigger: string, keys?: string[]) => {
    const incoming = keys?.filter((k) => !parsePartKey(k));
    let remaining = keys;
    if (!keys || incoming!.length) {
      const zone = new DropZoneSource({
        client: deps.s3,
        bucket: deps.dropzoneBucket,
        prefix: dropZonePrefix(def.name),
        ...(incoming ? { keys: incoming } : {}),
        recognise: patternRecogniser(def.files, def.entities),
      });
      let splitKeys = new Set<string>();
      const ok = await runOne(def.name, trigger, async () => {
        const out = await splitLargeFiles(zone, { ledger }, { sourceName: def.name, partRows: config.ingest.partRows, trigger });
        if (!out.runId) return undefined;
        splitKeys = new Set(out.split.map((f) => f.key));
        const parts = out.split.reduce((n, f) => n + f.parts.length, 0);
        const failed = out.split.some((f) => f.outcome === 'failed');
        const outcome: IngestRunOutcome = { source: def.name, runId: out.runId, status: failed ? 'failed' : 'succeeded', written: 0, split: { files: out.split.length, parts } };
        runs.push(outcome);
        log(failed ? 'WARN' : 'INFO', 'large files split into parts', { trigger, ...outcome, files: out.split.map((f) => ({ key: f.key, rows: f.rows, parts: f.parts.length, settledTo: f.settledTo })) });
        return undefined;
      });
      // A split that failed half-way leaves the file in incoming/: never ingest it whole instead.
      if (!ok) return;
      if (!keys) {
        // The schedule also re-announces parts whose own invocation failed every retry.
        try {
          const again = await redispatchWaitingParts(zone, { sourceName: def.name, waitingLongerThanMs: PARTS_WAITING_MS });
          if (again.length) log('WARN', 'parts still waiting were announced again', { trigger, source: def.name, parts: again });
        } catch (err) {
          log('ERROR', 'could not announce waiting parts again', { trigger, source: def.name, error: (err as Error).message });
        }
      }
      remaining = keys?.filter((k) => !splitKeys.has(k));
      if (remaining && remaining.length === 0) return;
    }
    await runOne(def.name, trigger, () =>
      ingestSource(connectSource(def, deps, remaining ? { keys: remaining } : {}), { store, validator, ledger, rejects }, { ...sourceIngestOptions(def, config), trigger }),
    );
  };

  if (event.Records?.length) {
    const bySource = new Map<string, string[]>();
    for (const r of event.Records) {
      const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
      const name = sourceNameOfKey(key) ?? parsePartKey(key)?.source ?? '';
      bySource.set(name, [...(bySource.get(name) ?? []), key]);
    }
    for (const [name, keys] of bySource) {
      const def = config.sources.find((s) => s.name === name && s.connector === 's3-dropzone');
      if (!def) {
        await runOne(name || '(incoming/)', 'upload', () => setAsideUnknown(ledger, deps, name, keys));
        continue;
      }
      if (def.connector !== 's3-dropzone') continue;
      // Parts come from a split this function made: always ingested, whatever onUpload says.
      const parts = keys.filter((k) => parsePartKey(k));
      const wanted = def.onUpload ? keys : parts;
      if (wanted.length < keys.length) runs.push({ source: name, status: 'skipped', error: 'onUpload is false: the files wait for the schedule' });
      if (wanted.length === 0) continue;
      await runDropZone(def, parts.length === wanted.length ? 'part' : 'upload', wanted);
    }
  } else {
    const due = event.source ? config.sources.filter((s) => s.name === event.source) : dueSources(config, event.scheduledTime);
    if (event.source && due.length === 0) throw new Error(`no source named "${event.source}" in pulse.config.json`);
    const trigger = event.scheduledTime ? 'schedule' : 'manual';
    for (const def of due) {
      if (def.connector === 's3-dropzone') {
        await runDropZone(def, trigger);
        continue;
      }
      await runOne(def.name, trigger, () =>
        ingestSource(connectSource(def, deps, { full: Boolean(event.full) }), { store, validator, ledger, rejects }, { ...sourceIngestOptions(def, config), trigger }),
      );
    }
  }

  const wrote = runs.filter((r) => r.status === 'succeeded' && (r.written ?? 0) > 0);
  if (alerts && wrote.length) {
    try {
      await alerts.critical(`ingest of ${wrote.map((r) => r.source).join(', ')}`);
    } catch (err) {
      // The data is in; the next digest run still sends what is critical. Say so, loudly.
      log('ERROR', 'could not trigger the critical alerts after ingest', { error: (err as Error).message });
    }
  }

  if (thrown.length === 1) throw thrown[0];
  if (thrown.length > 1) throw new AggregateError(thrown, `${thrown.length} ingest runs failed: ${thrown.map((e) => (e as Error).message).join('; ')}`);
  return { runs };
}

/** Files under a folder no source is configured for: recorded as a failed run and set aside under failed/. */
async function setAsideUnknown(ledger: RunLedger, deps: ConnectDeps, name: string, keys: string[]): Promise<IngestSourceResult> {
  const zone = new DropZoneSource({ client: deps.s3, bucket: deps.dropzoneBucket, prefix: 'incoming/', keys });
  return recordRun(ledger, { kind: 'ingest', subject: name || '(incoming/)', trigger: 'upload' }, async (run) => {
    run.fail(
      name
        ? `no s3-dropzone source named "${name}" in pulse.config.json: ${keys.length} file(s) set aside under failed/${run.runId}/`
        : `files must be uploaded under incoming/<source>/: ${keys.length} file(s) set aside under failed/${run.runId}/`,
    );
    for (const key of keys) {
      try {
        await zone.move(key, 'failed', run.runId);
      } catch (err) {
        run.error(`${key}: could not be moved: ${(err as Error).message}`);
      }
    }
    run.count('filesIgnored', keys.length);
    const zero = Object.fromEntries(Object.keys(emptySummary('').counts).map((e) => [e, 0])) as IngestSourceResult['written'];
    return { runId: run.runId, status: 'failed', summary: emptySummary(zone.description), written: zero, deleted: { ...zero }, files: keys.map((k) => ({ name: k, outcome: 'ignored' as const })) };
  });
}
