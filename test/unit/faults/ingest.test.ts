// Faults under a recorded ingest run (the ingest-source use case, the real DynamoDbStore,
// aws-sdk-client-mock in front of a table kept in a Map, a drop-zone in memory): DynamoDB
// throttling and UnprocessedItems, once (retried with full-jitter backoff, the run succeeds) and on
// every attempt (bounded attempts, the run fails with the reason, Pulse/RunsFailed is published,
// the file stays for the rerun); a crash mid-ingest followed by a rerun; S3 failing to move the
// file or to upload the rejects report. After every rerun the table holds every row exactly once.
// (The adapter alone, batching and dedupe: test/unit/dynamodb-store-faults.test.ts. The same crash
// against DynamoDB Local and the S3 drop-zone: test/integration/dropzone-ingest.test.ts.)
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../../functions/adapters/dynamodb';
import { formatRuns } from '../../../bin/commands/sources';
import { ingestSource } from '../../../functions/app/ingest-source';
import { withTimeLimit } from '../../../functions/app/record-run';
import type { RunLedger } from '../../../functions/ports/run-ledger';
import { RowValidator } from '../../../functions/domain/contract/validate';
import type { RejectsReportWriter } from '../../../functions/ports/rejects-report';
import type { ContractSource, FileOutcome, SourceFile, SourceRow } from '../../../functions/ports/source';
import { expectFailedMetrics, expectRuns, observe, randoms, recordingSleep, type Observed } from './observe';

const TABLE = 'pulse-faults';
const ROWS = 60; // three batches of 25, 25 and 10
const MAX_ATTEMPTS = 4;
const BASE_MS = 100;

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const s3InternalError = () =>
  Object.assign(new Error('We encountered an internal error. Please try again.'), {
    name: 'InternalError',
    $fault: 'server',
    $metadata: { httpStatusCode: 500 },
  });

/**
 * A drop-zone in memory: one accounts file (ROWS good rows, then `badRows` rows without a name)
 * that leaves `incoming` once it is settled `processed`; `moveFailures` moves fail first, as S3 does.
 */
class MemoryDropZone implements ContractSource {
  readonly description = 'memory drop-zone';
  incoming = ['accounts.csv'];
  readonly settled: [string, FileOutcome][] = [];
  moveFailures = 0;
  badRows = 0;
  async *files(): AsyncIterable<SourceFile> {
    const bad = this.badRows;
    for (const name of [...this.incoming]) {
      yield {
        entity: 'accounts',
        name,
        rows: async function* (): AsyncIterable<SourceRow> {
          for (let i = 0; i < ROWS; i++)
            yield {
              ok: true,
              row: { line: i + 2, fields: { account_id: `A${i}`, name: `Account ${i}` }, raw: `A${i},Account ${i}` },
            };
          for (let i = 0; i < bad; i++)
            yield { ok: true, row: { line: ROWS + i + 2, fields: { account_id: `B${i}`, name: '' }, raw: `B${i},` } };
        },
        settle: async (outcome) => {
          if (this.moveFailures > 0) {
            this.moveFailures--;
            throw s3InternalError();
          }
          this.settled.push([name, outcome]);
          this.incoming = this.incoming.filter((n) => n !== name);
          return `${outcome}/${name}`;
        },
      };
    }
  }
  async ignored(): Promise<string[]> {
    return [];
  }
}

const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'Rate of requests exceeds the allowed throughput',
    $metadata: { httpStatusCode: 400 },
  });

describe('an ingest run under faults', () => {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  const ddb = mockClient(doc);
  /** The table: PK|SK -> item. */
  let table: Map<string, Record<string, unknown>>;
  /** Decides each BatchWriteItem: throw, leave some unprocessed, or write everything. */
  let fault: (
    requests: WriteRequest[],
    call: number,
  ) => { throws: Error } | { unprocessed: WriteRequest[] } | undefined;
  let calls: number;
  let o: Observed;
  let source: MemoryDropZone;
  let sleep: ReturnType<typeof recordingSleep>;

  beforeEach(() => {
    table = new Map();
    calls = 0;
    fault = () => undefined;
    o = observe();
    source = new MemoryDropZone();
    sleep = recordingSleep();
    ddb.reset();
    ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
      const requests = input.RequestItems?.[TABLE] ?? [];
      const f = fault(requests, ++calls);
      if (f && 'throws' in f) throw f.throws;
      const unprocessed = f?.unprocessed ?? [];
      for (const r of requests) {
        if (unprocessed.includes(r)) continue;
        const item = r.PutRequest!.Item!;
        table.set(`${String(item.PK)}|${String(item.SK)}`, item);
      }
      return unprocessed.length ? { UnprocessedItems: { [TABLE]: unprocessed } } : {};
    });
  });
  afterEach(() => ddb.reset());

  const ingest = (
    random = randoms(0.37, 0.81, 0.52),
    rejects?: RejectsReportWriter,
    run: { ledger?: RunLedger; now?: () => Date } = {},
  ) =>
    ingestSource(
      source,
      {
        store: new DynamoDbStore({
          client: doc,
          tableName: TABLE,
          writeConcurrency: 1,
          maxAttempts: MAX_ATTEMPTS,
          baseDelayMs: BASE_MS,
          maxDelayMs: 5_000,
          sleep: sleep.sleep,
          random,
        }),
        validator: new RowValidator({ currency: 'USD', weekStartsOn: 1 }),
        ledger: run.ledger ?? o.ledger,
        ...(rejects ? { rejects } : {}),
      },
      {
        sourceName: 'crm',
        timeZone: 'America/New_York',
        weekStartsOn: 1,
        trigger: 'test',
        chunkSize: 1000,
        ...(run.now ? { now: run.now } : {}),
      },
    );

  /** Every row is in the table exactly once, with its values. */
  const expectAllRows = () => {
    expect(table.size).toBe(ROWS);
    for (let i = 0; i < ROWS; i++)
      expect(table.get(`ACCOUNT#A${i}|ACCOUNT`), `A${i}`).toMatchObject({ accountId: `A${i}`, name: `Account ${i}` });
  };

  it('throttled once: one retry after a jittered delay, the run succeeds, every row written once, no failure metric', async () => {
    fault = (_, call) => (call === 1 ? { throws: throttled() } : undefined);
    const r = await ingest();
    expect(r.status).toBe('succeeded');
    expectAllRows();
    expect(calls).toBe(3 + 1); // three batches, the first one twice
    expect(sleep.delays).toEqual([Math.floor(0.37 * BASE_MS)]); // full jitter: random * cap, not the cap
    expect(source.settled).toEqual([['accounts.csv', 'processed']]);
    expectRuns(o, 'ingest', ['succeeded']);
    expectFailedMetrics(o, []);
  });

  it('throttled on every attempt: bounded attempts with growing jittered caps, a failed run naming what was not written, the metric, the file kept; the rerun loads every row', async () => {
    let outage = true;
    fault = () => (outage ? { throws: throttled() } : undefined);
    await expect(ingest()).rejects.toMatchObject({ name: 'DynamoDbStoreError', code: 'WRITE_INCOMPLETE' });
    expect(calls).toBe(MAX_ATTEMPTS); // the first batch only: no further batch starts after a failure
    expect(sleep.delays).toEqual([
      Math.floor(0.37 * BASE_MS),
      Math.floor(0.81 * 2 * BASE_MS),
      Math.floor(0.52 * 4 * BASE_MS),
    ]);
    expect(table.size).toBe(0);
    expect(source.incoming).toEqual(['accounts.csv']); // not settled: the rerun reads it again
    const [failed] = expectRuns(o, 'ingest', ['failed']);
    expect(failed!.errors[0]).toMatch(
      /^DynamoDbStoreError: .*60 of 60 records were not written .*ProvisionedThroughputExceededException.*after 4 attempts/,
    );
    expectFailedMetrics(o, [failed!]);

    outage = false;
    expect((await ingest()).status).toBe('succeeded');
    expectAllRows();
    expectRuns(o, 'ingest', ['failed', 'succeeded']);
    expectFailedMetrics(o, [failed!]); // the recovery publishes nothing
  });

  it('UnprocessedItems once: only those items are sent again, the run succeeds, every row written once', async () => {
    fault = (requests, call) => (call === 1 ? { unprocessed: requests.slice(0, 3) } : undefined);
    expect((await ingest()).status).toBe('succeeded');
    expectAllRows();
    const sizes = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems![TABLE]!.length);
    expect(sizes).toEqual([25, 3, 25, 10]);
    expect(sleep.delays).toEqual([Math.floor(0.37 * BASE_MS)]);
    expectRuns(o, 'ingest', ['succeeded']);
    expectFailedMetrics(o, []);
  });

  it('UnprocessedItems on every attempt: bounded attempts, a failed run saying how many records are missing, the metric; the rerun completes the table', async () => {
    let backlog = true;
    fault = (requests) => (backlog ? { unprocessed: requests.slice(0, 2) } : undefined);
    await expect(ingest()).rejects.toMatchObject({ code: 'WRITE_INCOMPLETE', notWritten: 2 + 35 });
    expect(calls).toBe(MAX_ATTEMPTS);
    expect(sleep.delays).toHaveLength(MAX_ATTEMPTS - 1);
    expect(table.size).toBe(23); // what DynamoDB did accept stays (idempotent upserts)
    expect(source.incoming).toEqual(['accounts.csv']);
    const [failed] = expectRuns(o, 'ingest', ['failed']);
    expect(failed!.errors[0]).toMatch(/37 of 60 records were not written .*2 still unprocessed after 4 attempts/);
    expectFailedMetrics(o, [failed!]);

    backlog = false;
    expect((await ingest()).status).toBe('succeeded');
    expectAllRows();
    expectRuns(o, 'ingest', ['failed', 'succeeded']);
  });

  it('a crash mid-ingest (the connection dies after two batches): a failed run with the error, the metric, the file kept; the rerun leaves exactly every row', async () => {
    let dead = false;
    fault = (_, call) => {
      if (call === 3) dead = true;
      return dead
        ? { throws: Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' }) }
        : undefined;
    };
    await expect(ingest()).rejects.toMatchObject({ code: 'WRITE_INCOMPLETE' });
    expect(table.size).toBe(50); // two batches landed
    expect(calls).toBe(2 + MAX_ATTEMPTS); // a reset connection is retried, boundedly
    expect(source.incoming).toEqual(['accounts.csv']);
    const [failed] = expectRuns(o, 'ingest', ['failed']);
    expect(failed!.errors[0]).toMatch(/10 of 60 records were not written .*socket hang up/);
    expectFailedMetrics(o, [failed!]);

    dead = false;
    fault = () => undefined;
    expect((await ingest()).status).toBe('succeeded');
    expectAllRows();
    expectRuns(o, 'ingest', ['failed', 'succeeded']);
  });

  it('S3 fails to move the loaded file to processed/: every row is loaded, the run fails saying so (the metric), the file stays; the rerun reloads it idempotently and moves it', async () => {
    source.moveFailures = 1;
    const first = await ingest();
    expect(first.status).toBe('failed');
    expectAllRows();
    expect(source.incoming).toEqual(['accounts.csv']);
    const [failed] = expectRuns(o, 'ingest', ['failed']);
    expect(failed!.errors).toEqual([
      'accounts.csv: loaded, but could not be moved to processed/: We encountered an internal error. Please try again.',
    ]);
    expectFailedMetrics(o, [failed!]);

    expect((await ingest()).status).toBe('succeeded');
    expectAllRows(); // the same items, not twice as many
    expect(source.settled).toEqual([['accounts.csv', 'processed']]);
    expectRuns(o, 'ingest', ['failed', 'succeeded']);
  });

  it('S3 fails to upload the rejects report: the good rows are loaded, the run fails with the S3 error (the metric)', async () => {
    source.badRows = 2;
    let uploads = 0;
    const rejects: RejectsReportWriter = {
      write: async () => {
        if (uploads++ === 0) throw s3InternalError();
        return 's3://rejects/rejects.csv';
      },
    };
    await expect(ingest(undefined, rejects)).rejects.toThrow(/internal error/);
    expectAllRows();
    const [failed] = expectRuns(o, 'ingest', ['failed']);
    expect(failed!.errors).toEqual(['InternalError: We encountered an internal error. Please try again.']);
    expectFailedMetrics(o, [failed!]);
    // The file was already settled (processed/<runId>/ in S3, where `pulse validate` lists its rejects again).
    expect(source.settled).toEqual([['accounts.csv', 'processed']]);
  });

  it("a hard kill mid-ingest (the Lambda times out): the run stays `running` until the next run of the source finds it past its deadline and records it `timed-out` with the function's limit (the failure metric fires, `pulse runs` shows it); the rerun leaves exactly every row", async () => {
    // As the Lambda runtime wires it: each run carries its invocation's deadline (a 900 s function).
    const T0 = Date.parse('2026-11-23T11:00:00Z');
    let invocationStart = T0;
    const ledger = withTimeLimit(o.ledger, () => ({
      deadline: new Date(invocationStart + 900_000),
      timeLimitMs: 900_000,
    }));
    const run = () => ingest(undefined, undefined, { ledger, now: () => new Date(invocationStart) });
    // The third BatchWriteItem never answers and the process is gone: nothing after it runs.
    ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
      const requests = input.RequestItems?.[TABLE] ?? [];
      if (++calls === 3) return new Promise(() => {}); // killed here
      for (const r of requests)
        table.set(`${String(r.PutRequest!.Item!.PK)}|${String(r.PutRequest!.Item!.SK)}`, r.PutRequest!.Item!);
      return {};
    });
    void run();
    await waitFor(() => calls === 3);
    expect(table.size).toBe(50);
    const [killed] = expectRuns(o, 'ingest', ['running']);
    expect(killed).toMatchObject({ deadline: '2026-11-23T11:15:00.000Z', timeLimitMs: 900_000 });
    expectFailedMetrics(o, []); // a killed process publishes nothing itself

    // Left alone: a run of another source past its deadline, a run of this one still within its deadline.
    const other = {
      runId: 'other',
      kind: 'ingest',
      subject: 'billing',
      startedAt: '2026-11-23T11:00:00.000Z',
      deadline: '2026-11-23T11:15:00.000Z',
      timeLimitMs: 900_000,
    } as const;
    const young = {
      runId: 'young',
      kind: 'ingest',
      subject: 'crm',
      startedAt: '2026-11-23T11:59:00.000Z',
      deadline: '2026-11-23T12:14:00.000Z',
      timeLimitMs: 900_000,
    } as const;
    await o.memory.start(other);
    await o.memory.start(young);

    // The next scheduled run, an hour later, in a new invocation.
    invocationStart = T0 + 60 * 60_000;
    const rerun = await run();
    expect(rerun.status).toBe('succeeded');
    expectAllRows();
    expect(source.settled).toEqual([['accounts.csv', 'processed']]);
    const [timedOut, , , next] = expectRuns(o, 'ingest', ['timed-out', 'running', 'running', 'succeeded']);
    expect(timedOut!.runId).toBe(killed!.runId);
    expect(timedOut!.finishedAt).toBe('2026-11-23T11:15:00.000Z');
    expect(timedOut!.errors).toEqual([
      `timed out: still running when its function's time limit (900 s) ran out at 2026-11-23T11:15:00.000Z; the function was stopped before it could record the end (found by run ${next!.runId})`,
    ]);
    expect(next!.errors).toEqual([
      `run ${killed!.runId} (started 2026-11-23T11:00:00.000Z) had timed out: marked timed-out`,
    ]);
    expectFailedMetrics(o, [timedOut!]);
    expect(formatRuns(await o.ledger.list({ kind: 'ingest' }))).toMatch(
      new RegExp(`${killed!.runId}\\s+ingest\\s+crm\\s+timed-out`),
    );

    // A later run does not mark it again (one metric for it); the young run, past its deadline by then, is marked now.
    invocationStart = T0 + 2 * 60 * 60_000;
    await run();
    expectRuns(o, 'ingest', ['timed-out', 'running', 'timed-out', 'succeeded', 'succeeded']);
    expectFailedMetrics(o, [timedOut!, o.runs.find((r) => r.runId === 'young')!]);
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}
