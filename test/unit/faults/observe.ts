// What every fault test checks besides the outcome: the run ledger (an in-memory one, the same
// fake the report tests use) and the alarm metric, exactly as the Lambda runtime wires them
// (functions/handlers/runtime.ts: withRunMetrics(ledger, new PowertoolsRunMetrics(...))), with the
// EMF lines Powertools writes to stdout captured instead.
import { expect, vi } from 'vitest';
import { RUNS_FAILED_METRIC } from '../../../functions/adapters/observability/metrics';
import { PowertoolsRunMetrics, stageMetrics } from '../../../functions/adapters/observability/powertools';
import { withRunMetrics } from '../../../functions/app/record-run';
import type { RunKind, RunLedger, RunRecord } from '../../../functions/ports/run-ledger';
import { MemoryRunLedger } from '../report/fakes';

export const STAGE = 'test';

/** stdout's own write, taken before any test spies on it (each observe() replaces the spy's implementation). */
const writeToStdout = process.stdout.write.bind(process.stdout);

export interface Observed {
  /** The ledger to hand to the use case. */
  ledger: RunLedger;
  /** The underlying in-memory ledger (for seeding, e.g. `ingested()`). */
  memory: MemoryRunLedger;
  /** Every run recorded, in start order. */
  runs: RunRecord[];
  /** Every EMF document written, parsed. */
  metrics: Record<string, unknown>[];
}

export function observe(): Observed {
  const memory = new MemoryRunLedger();
  const metrics: Record<string, unknown>[] = [];
  const ledger = withRunMetrics(memory, new PowertoolsRunMetrics(stageMetrics(STAGE)));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const line = String(chunk);
    if (!line.includes('"_aws"')) return writeToStdout(chunk, ...(rest as []));
    metrics.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  });
  return { ledger, memory, runs: memory.runs, metrics };
}

/** The ledger holds exactly these runs of `kind` (oldest first), with these statuses (finished unless `running`). */
export function expectRuns(o: Observed, kind: RunKind, statuses: RunRecord['status'][]): RunRecord[] {
  const runs = o.runs.filter((r) => r.kind === kind);
  expect(runs.map((r) => r.status)).toEqual(statuses);
  for (const r of runs) if (r.status !== 'running') expect(r.finishedAt, `run ${r.runId} finished`).toBeDefined();
  return runs;
}

/**
 * Exactly the given failed runs were published as Pulse/RunsFailed, one valid EMF document each
 * (namespace, dimensions Stage + Kind, value 1, unit Count), naming the run and its first error.
 */
export function expectFailedMetrics(o: Observed, failed: RunRecord[]): void {
  expect(o.metrics).toHaveLength(failed.length);
  failed.forEach((run, i) => {
    const doc = o.metrics[i]!;
    expect(doc._aws).toEqual({
      Timestamp: expect.any(Number),
      CloudWatchMetrics: [
        {
          Namespace: RUNS_FAILED_METRIC.namespace,
          Dimensions: [['service', 'Stage', 'Kind']],
          Metrics: [{ Name: RUNS_FAILED_METRIC.metricName, Unit: 'Count' }],
        },
      ],
    });
    expect(doc).toMatchObject({
      service: 'pulse',
      Stage: STAGE,
      Kind: run.kind,
      RunsFailed: 1,
      runId: run.runId,
      subject: run.subject,
    });
    expect((JSON.parse(doc.errors as string) as string[])[0]).toBe(run.errors[0]);
  });
}

/** A sleep that records its delays instead of waiting. */
export function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

/** A random() that returns these values in turn (then repeats the last). */
export function randoms(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}
