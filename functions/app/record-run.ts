// Wraps any use case in a run-ledger entry: `running` before it starts, `succeeded` or `failed`
// (with counts and errors) after. Ingest, compute, report, alert and archive runs all use it:
//
//   await recordRun(ledger, { kind: 'compute', subject: 'company', period: week }, async (run) => {
//     ...; run.count('snapshots', n);
//   });
//
// withRunMetrics(ledger, metrics) makes every failed run also a metric (the alarms'
// Pulse/RunsFailed in the Lambda runtime), without any use case knowing about metrics.
//
// Stale runs: a function stopped by its time limit cannot record its end, so its run stays
// `running`. In the Lambda runtime withTimeLimit(ledger, ...) stamps every run with its
// invocation's deadline and the function's limit; before a run starts, recordRun marks every run
// of the same kind and subject still `running` past its deadline as `timed-out` (a failed run for
// the metric and the alarm), and notes it in the new run.
import { randomBytes } from 'node:crypto';
import type { RejectsSummary, RunKind, RunLedger, RunRecord, RunStart, RunStatus } from '../ports/run-ledger';
import type { RunMetrics } from '../ports/run-metrics';

/** At most this many error lines are kept in the ledger (the rest are counted). */
export const MAX_RUN_ERRORS = 20;

export interface RunSpec {
  kind: RunKind;
  subject: string;
  period?: string;
  trigger?: string;
  /** A run id chosen by the caller (default: newRunId()). */
  runId?: string;
  /** Injected for tests. */
  now?: () => Date;
}

/** What the wrapped function sees: its run id, and places to put counts, errors and rejects. */
export interface RunContext {
  readonly runId: string;
  readonly startedAt: string;
  readonly counts: Record<string, number>;
  /** Adds `n` to a named count. */
  count(name: string, n?: number): void;
  /** Records a problem. The run still succeeds unless `fail()` is called or the function throws. */
  error(message: string): void;
  /** Marks the run failed without throwing (e.g. some files failed, the others loaded). */
  fail(message?: string): void;
  rejects?: RejectsSummary;
}

/** `20261123T060012Z-7f3a9c`: sorts by start time, unique enough for a ledger and an S3 prefix. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export class RunLedgerWriteError extends Error {
  override readonly name = 'RunLedgerWriteError';
  readonly code = 'RUN_LEDGER_WRITE_FAILED';
}

/**
 * Runs `fn` as a recorded run. The ledger entry is finished whatever happens; an error thrown by
 * `fn` is recorded and thrown again. Returns what `fn` returns.
 */
export async function recordRun<T>(ledger: RunLedger, spec: RunSpec, fn: (run: RunContext) => Promise<T>): Promise<T> {
  const now = spec.now ?? (() => new Date());
  const started = now();
  const runId = spec.runId ?? newRunId(started);
  const startedAt = started.toISOString();
  const timedOut = await settleTimedOutRuns(ledger, spec, started, runId);
  await ledger.start({
    runId,
    kind: spec.kind,
    subject: spec.subject,
    period: spec.period,
    startedAt,
    ...(spec.trigger ? { trigger: spec.trigger } : {}),
  });

  const errors: string[] = [...timedOut];
  let dropped = 0;
  let status: RunStatus = 'succeeded';
  const addError = (message: string) => {
    if (errors.length < MAX_RUN_ERRORS) errors.push(message);
    else dropped++;
  };
  const run: RunContext = {
    runId,
    startedAt,
    counts: {},
    count(name, n = 1) {
      this.counts[name] = (this.counts[name] ?? 0) + n;
    },
    error: addError,
    fail(message) {
      status = 'failed';
      if (message) addError(message);
    },
  };

  const finish = async () => {
    const outcome: Pick<RunRecord, 'status' | 'finishedAt' | 'counts' | 'errors' | 'rejects'> = {
      status,
      finishedAt: now().toISOString(),
      counts: run.counts,
      errors: dropped ? [...errors, `... and ${dropped} more`] : errors,
      ...(run.rejects ? { rejects: run.rejects } : {}),
    };
    await ledger.finish(runId, outcome);
  };

  let result: T;
  try {
    result = await fn(run);
  } catch (err) {
    status = 'failed';
    addError(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    try {
      await finish();
    } catch (ledgerErr) {
      // The use case's error is the one the caller must see; the ledger's is attached.
      if (typeof err === 'object' && err !== null) (err as { ledgerError?: unknown }).ledgerError = ledgerErr;
    }
    throw err;
  }
  try {
    await finish();
  } catch (err) {
    throw new RunLedgerWriteError(
      `run ${runId} finished (${status}) but the run ledger could not record it: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return result;
}

/** How many recent runs of the kind are looked at for stale ones (a stale run is among the latest). */
const STALE_LOOKBACK = 50;

/**
 * Marks the runs of `spec`'s kind and subject still `running` past their deadline as `timed-out`;
 * returns one note per run for the new run's errors (a note does not fail the new run). A ledger
 * that cannot mark, or fails to, leaves them `running`: the new run goes ahead either way.
 */
async function settleTimedOutRuns(ledger: RunLedger, spec: RunSpec, now: Date, by: string): Promise<string[]> {
  if (!ledger.finishTimedOut) return [];
  const notes: string[] = [];
  try {
    const recent = await ledger.list({ kind: spec.kind, limit: STALE_LOOKBACK });
    for (const stale of recent) {
      if (
        stale.status !== 'running' ||
        stale.subject !== spec.subject ||
        !stale.deadline ||
        Date.parse(stale.deadline) >= now.getTime()
      )
        continue;
      const limit = stale.timeLimitMs
        ? `its function's time limit (${Math.round(stale.timeLimitMs / 1000)} s)`
        : "its function's time limit";
      const why = `timed out: still running when ${limit} ran out at ${stale.deadline}; the function was stopped before it could record the end (found by run ${by})`;
      await ledger.finishTimedOut(stale, {
        finishedAt: stale.deadline,
        errors: [...stale.errors, why].slice(-MAX_RUN_ERRORS),
      });
      notes.push(`run ${stale.runId} (started ${stale.startedAt}) had timed out: marked timed-out`);
    }
  } catch (err) {
    notes.push(`could not check for timed-out runs: ${(err as Error).message}`);
  }
  return notes;
}

/** The invocation a run belongs to: when it is stopped at the latest, and the function's limit. */
export interface InvocationLimit {
  deadline: Date;
  timeLimitMs: number;
}

/**
 * A run ledger that stamps every run it starts with the current invocation's deadline and time
 * limit (`limit()`: undefined outside an invocation), so a later run can tell it timed out.
 */
export function withTimeLimit(ledger: RunLedger, limit: () => InvocationLimit | undefined): RunLedger {
  return {
    start(run: RunStart) {
      const l = limit();
      return ledger.start(l ? { ...run, deadline: l.deadline.toISOString(), timeLimitMs: l.timeLimitMs } : run);
    },
    finish: (runId, outcome) => ledger.finish(runId, outcome),
    list: (opts) => ledger.list(opts),
    ...(ledger.finishTimedOut ? { finishTimedOut: ledger.finishTimedOut.bind(ledger) } : {}),
  };
}

/**
 * recordRun when the caller has a run ledger (every deployed and CLI run does); a plain call when
 * it has none (pure tests of the use case).
 */
export function recordRunIf<T>(
  ledger: RunLedger | undefined,
  spec: RunSpec,
  fn: (run?: RunContext) => Promise<T>,
): Promise<T> {
  return ledger ? recordRun(ledger, spec, fn) : fn(undefined);
}

/**
 * A run ledger that also reports every run finishing `failed`, and every stale run marked
 * `timed-out`, to `metrics` (once per run, before the ledger write, so a failure is surfaced even
 * when the ledger cannot record it). Runs must be started through the returned ledger (recordRun
 * does), which remembers what each open run is.
 */
export function withRunMetrics(ledger: RunLedger, metrics: RunMetrics): RunLedger {
  const open = new Map<string, Pick<RunRecord, 'kind' | 'subject' | 'period'>>();
  return {
    async start(run) {
      open.set(run.runId, { kind: run.kind, subject: run.subject, ...(run.period ? { period: run.period } : {}) });
      try {
        await ledger.start(run);
      } catch (err) {
        open.delete(run.runId);
        throw err;
      }
    },
    async finish(runId, outcome) {
      const run = open.get(runId);
      open.delete(runId);
      if (run && outcome.status === 'failed') metrics.runFailed({ runId, ...run, errors: outcome.errors });
      await ledger.finish(runId, outcome);
    },
    list: (opts) => ledger.list(opts),
    ...(ledger.finishTimedOut
      ? {
          finishTimedOut: async (run: RunRecord, outcome: Pick<RunRecord, 'finishedAt' | 'errors'>) => {
            metrics.runFailed({
              runId: run.runId,
              kind: run.kind,
              subject: run.subject,
              ...(run.period ? { period: run.period } : {}),
              errors: outcome.errors,
            });
            await ledger.finishTimedOut!(run, outcome);
          },
        }
      : {}),
  };
}
