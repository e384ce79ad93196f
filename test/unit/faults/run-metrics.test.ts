// How a failed run reaches an alarm: withRunMetrics publishes every run that ends `failed` once,
// as Pulse/RunsFailed (Stage, Kind) in Embedded Metric Format on stdout, before the ledger write
// (so a ledger that cannot record the failure does not hide it), and the Lambda runtime wires it
// around the DynamoDB run ledger. The alarms on the metric: test/infra/pulse-stack.test.ts.
import {
  PutCommand,
  GetCommand,
  QueryCommand,
  DynamoDBDocumentClient,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RUNS_FAILED_METRIC } from '../../../functions/adapters/observability/metrics';
import { PowertoolsRunMetrics, stageMetrics } from '../../../functions/adapters/observability/powertools';
import { recordRun, RunLedgerWriteError, withRunMetrics } from '../../../functions/app/record-run';
import { MemoryRunLedger } from '../report/fakes';
import { expectFailedMetrics, expectRuns, observe } from './observe';

describe('withRunMetrics', () => {
  it('publishes one RunsFailed per failed run (thrown or fail()), nothing for a succeeded run', async () => {
    const o = observe();
    await recordRun(o.ledger, { kind: 'compute', subject: 'company', period: '2026-W47' }, async (run) =>
      run.count('snapshots', 14),
    );
    await expect(
      recordRun(o.ledger, { kind: 'compute', subject: 'company', period: '2026-W48' }, async () =>
        Promise.reject(new RangeError('no data for 2026-W48')),
      ),
    ).rejects.toThrow(RangeError);
    await recordRun(o.ledger, { kind: 'ingest', subject: 'crm' }, async (run) =>
      run.fail('accounts.csv: could not be read past line 12: unexpected end of gzip'),
    );
    const [, thrown] = expectRuns(o, 'compute', ['succeeded', 'failed']);
    const [failed] = expectRuns(o, 'ingest', ['failed']);
    expect(thrown!.errors).toEqual(['RangeError: no data for 2026-W48']);
    expectFailedMetrics(o, [thrown!, failed!]);
    expect(o.metrics[0]).toMatchObject({ period: '2026-W48', level: 'ERROR', message: 'pulse compute run failed' });
  });

  it('publishes the failure even when the ledger cannot record it (the use case error is still the one thrown)', async () => {
    const memory = new MemoryRunLedger();
    memory.finish = async () => Promise.reject(new Error('ProvisionedThroughputExceededException'));
    const o = observe();
    const ledger = withRunMetrics(memory, new PowertoolsRunMetrics(stageMetrics('prod')));
    const err = await recordRun(ledger, { kind: 'report', subject: 'weekly-report', runId: 'r1' }, async () =>
      Promise.reject(new Error('SES is down')),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      message: 'SES is down',
      ledgerError: expect.objectContaining({ message: 'ProvisionedThroughputExceededException' }),
    });
    expect(o.metrics).toEqual([
      expect.objectContaining({
        Stage: 'prod',
        Kind: 'report',
        RunsFailed: 1,
        runId: 'r1',
        errors: JSON.stringify(['Error: SES is down']),
      }),
    ]);
    // A succeeded run whose end cannot be recorded is an error of its own (the Lambda Errors alarm), not a failed run.
    await expect(
      recordRun(ledger, { kind: 'report', subject: 'weekly-report', runId: 'r2' }, async () => 'ok'),
    ).rejects.toThrow(RunLedgerWriteError);
    expect(o.metrics).toHaveLength(1);
  });

  it('never lets a broken stdout turn into a second failure', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => {
      throw new Error('EPIPE');
    });
    const ledger = withRunMetrics(new MemoryRunLedger(), new PowertoolsRunMetrics(stageMetrics('prod')));
    await recordRun(ledger, { kind: 'alerts', subject: 'digest', runId: 'r1' }, async (run) =>
      run.fail('3 sends failed'),
    );
    expect((await ledger.list())[0]).toMatchObject({ status: 'failed', errors: ['3 sends failed'] });
  });
});

describe('the Lambda runtime', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const saved = { ...process.env };
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => {
    ddb.restore();
    process.env = saved;
  });

  it('records runs in the DynamoDB ledger and writes Pulse/RunsFailed for a failed one to stdout (Powertools Metrics)', async () => {
    Object.assign(process.env, {
      PULSE_TABLE: 'pulse-prod',
      PULSE_DROPZONE_BUCKET: 'dz',
      PULSE_ARCHIVE_BUCKET: 'ar',
      PULSE_REJECTS_BUCKET: 'rj',
      PULSE_STAGE: 'prod',
      PULSE_CONFIG_PATH: join(import.meta.dirname, '../../../pulse.config.json'),
      AWS_REGION: 'us-east-1',
    });
    let item: Record<string, unknown> | undefined;
    ddb.on(PutCommand).callsFake((input: PutCommandInput) => void (item = input.Item));
    ddb.on(GetCommand).callsFake(() => ({ Item: item }));
    // Before it starts, a run looks for runs of its subject left running past their deadline: none.
    ddb.on(QueryCommand).resolves({ Items: [] });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    out.mockClear();

    const { beginInvocation, getRuntime } = await import('../../../functions/handlers/runtime');
    const { runLedger } = getRuntime();
    // A 900 s function, invoked at 11:00:00: its runs carry the deadline and the limit.
    beginInvocation({ getRemainingTimeInMillis: () => 899_950 }, Date.parse('2026-11-23T11:00:00.000Z'));
    await expect(
      recordRun(runLedger, { kind: 'ingest', subject: 'billing', runId: 'run-1' }, async () =>
        Promise.reject(new Error('connection reset')),
      ),
    ).rejects.toThrow('connection reset');

    expect(item).toMatchObject({
      runId: 'run-1',
      kind: 'ingest',
      status: 'failed',
      errors: ['Error: connection reset'],
      deadline: '2026-11-23T11:14:59.950Z',
      timeLimitMs: 900_000,
    });
    const emf = out.mock.calls.map(([chunk]) => String(chunk)).filter((s) => s.includes('"_aws"'));
    expect(emf).toHaveLength(1);
    expect(emf[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(emf[0]!)).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: RUNS_FAILED_METRIC.namespace,
            Dimensions: [['service', 'Stage', 'Kind']],
            Metrics: [{ Name: 'RunsFailed', Unit: 'Count' }],
          },
        ],
      },
      Stage: 'prod',
      Kind: 'ingest',
      RunsFailed: 1,
      runId: 'run-1',
    });
  });
});
