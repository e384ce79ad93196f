// The S3 drop-zone connector end to end against the embedded stack (s3rver + DynamoDB Local):
// stream, map, validate, load, move to processed/ or failed/, rejects report, run ledger;
// idempotent rerun; a crash mid-file and a rerun leave exactly the right items.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore, pulseTableDefinition } from '../../functions/adapters/dynamodb';
import { DynamoDbRunLedger } from '../../functions/adapters/dynamodb/run-ledger';
import { S3RejectsReport } from '../../functions/adapters/s3/rejects-report';
import { connectSource } from '../../functions/adapters/sources/connect';
import { sourceIngestOptions } from '../../functions/app/ingest-job';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { ingestSource } from '../../functions/app/ingest-source';
import { parseConfig, type PulseConfig } from '../../functions/config';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { SourceDefinition } from '../../functions/domain/sources/registry';
import type { Store } from '../../functions/ports/store';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalStack, type LocalStack } from '../../lib/local';
import { configDoc, writeConfigFile } from '../support/config-doc';

let stack: LocalStack;
let ddb: DynamoDBClient;
let s3: S3Client;
let tables = 0;
const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });

beforeAll(async () => {
  stack = await startLocalStack({ persist: false });
  ddb = new DynamoDBClient({
    endpoint: stack.endpoints.dynamodb,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  s3 = new S3Client({
    endpoint: stack.endpoints.s3,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  ddb?.destroy();
  s3?.destroy();
  await stack?.stop();
});

function configWithSources(sources: unknown[]): PulseConfig {
  return parseConfig(configDoc({ sources }), 'test');
}

async function fresh(sourceDoc: Record<string, unknown>) {
  const n = ++tables;
  const tableName = `pulse-dz-${n}`;
  await ddb.send(new CreateTableCommand(pulseTableDefinition(tableName)));
  const name = `src${n}`;
  const config = configWithSources([
    { name, connector: 's3-dropzone', entities: ['accounts', 'subscriptions'], ...sourceDoc },
  ]);
  const def = config.sources[0] as SourceDefinition;
  const store = new DynamoDbStore({ client: ddb, tableName });
  const ledger = new DynamoDbRunLedger({ client: ddb, tableName });
  const rejects = new S3RejectsReport({ client: s3, bucket: stack.resources.rejectsBucket });
  const put = (file: string, body: string | Buffer) =>
    s3.send(
      new PutObjectCommand({ Bucket: stack.resources.dropzoneBucket, Key: `incoming/${name}/${file}`, Body: body }),
    );
  const run = (deps: { store?: Store; chunkSize?: number } = {}) =>
    ingestSource(
      connectSource(def, { s3, dropzoneBucket: stack.resources.dropzoneBucket, secrets: new EnvSecrets({}) }),
      { store: deps.store ?? store, validator, ledger, rejects },
      { ...sourceIngestOptions(def, config), trigger: 'test', chunkSize: deps.chunkSize ?? 1000 },
    );
  return { name, store, ledger, put, run };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: stack.resources.dropzoneBucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function readS3(bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

const ACCOUNTS = 'account_id,name,segment\nA1,Acme,Enterprise\nA2,,SMB\nA3,Gamma,SMB\n';
const SUBS = [
  'line_id,account_id,arr,start_date,end_date',
  'L1,A1,1200.50,2025-01-01,',
  'L2,A1,12x,2025-01-01,', // bad money
  'L3,A3,500,2025-02-01,2025-01-01', // end before start
  'L4,A3,100,2025-03-01,',
].join('\n');

describe('S3 drop-zone ingest', () => {
  it('loads the good rows, reports every bad row with line and reason, moves the files, records the run', async () => {
    const t = await fresh({});
    await t.put('accounts.csv', ACCOUNTS);
    await t.put('subscriptions.csv.gz', gzipSync(SUBS));

    const result = await t.run();

    expect(result.status).toBe('succeeded');
    expect(result.written).toMatchObject({ accounts: 2, subscriptions: 2 });
    const data = await t.store.loadDataset();
    expect(data.accounts.map((a) => a.accountId)).toEqual(['A1', 'A3']);
    expect(data.subscriptions.map((s) => [s.lineId, s.arr])).toEqual([
      ['L1', 120050],
      ['L4', 10000],
    ]);

    // Files moved under the run id, nothing left in incoming/.
    expect(await keysUnder(`incoming/${t.name}/`)).toEqual([]);
    expect(await keysUnder(`processed/${result.runId}/`)).toEqual([
      `processed/${result.runId}/${t.name}/accounts.csv`,
      `processed/${result.runId}/${t.name}/subscriptions.csv.gz`,
    ]);

    // The rejects report: one line per problem, with source, file, line, field, reason, raw row.
    expect(result.rejectsLocation).toBe(`s3://${stack.resources.rejectsBucket}/rejects/${result.runId}/rejects.csv`);
    const report = parse(await readS3(stack.resources.rejectsBucket, `rejects/${result.runId}/rejects.csv`), {
      columns: true,
    }) as Record<string, string>[];
    expect(report.map((r) => [r.source, r.file!.replace(/^.*\//, ''), r.line, r.field])).toEqual([
      [t.name, 'accounts.csv', '3', 'name'],
      [t.name, 'subscriptions.csv.gz', '3', 'arr'],
      [t.name, 'subscriptions.csv.gz', '4', 'end_date'],
    ]);
    expect(report[0]!.reason).toBe('is required');
    expect(report[1]!.raw).toBe('L2,A1,12x,2025-01-01,');

    // The ledger.
    const [run] = await t.ledger.list({ kind: 'ingest', limit: 5 });
    expect(run).toMatchObject({
      runId: result.runId,
      kind: 'ingest',
      subject: t.name,
      status: 'succeeded',
      trigger: 'test',
      counts: { files: 2, rows: 7, valid: 4, rejected: 3, written: 4 },
      rejects: {
        rows: 3,
        problems: 3,
        location: result.rejectsLocation,
        byField: { 'accounts.name': 1, 'subscriptions.arr': 1, 'subscriptions.end_date': 1 },
      },
    });
    expect(run!.finishedAt! >= run!.startedAt).toBe(true);
  });

  it('sets aside unrecognised and unreadable files under failed/ and marks the run failed', async () => {
    const t = await fresh({});
    await t.put('accounts.csv', ACCOUNTS);
    await t.put('notes.txt', 'hello');
    await t.put('renewals.csv', 'renewal_id\nR1\n'); // an entity this source does not yield
    const truncated = gzipSync(SUBS).subarray(0, 40);
    await t.put('subscriptions.csv.gz', truncated);

    const result = await t.run();

    expect(result.status).toBe('failed');
    expect(Object.fromEntries(result.files.map((f) => [f.name.replace(/^.*\//, ''), f.outcome]))).toEqual({
      'accounts.csv': 'processed',
      'subscriptions.csv.gz': 'failed',
      'notes.txt': 'ignored',
      'renewals.csv': 'ignored',
    });
    expect(await keysUnder(`incoming/${t.name}/`)).toEqual([]);
    expect(await keysUnder(`failed/${result.runId}/`)).toEqual(
      ['notes.txt', 'renewals.csv', 'subscriptions.csv.gz'].map((f) => `failed/${result.runId}/${t.name}/${f}`),
    );
    const run = await t.ledger.get(result.runId);
    expect(run?.status).toBe('failed');
    expect(run?.errors.join('\n')).toMatch(
      /subscriptions\.csv\.gz: could not be read past line \d+: .*(unexpected end|incorrect header|Z_BUF_ERROR)/i,
    );
    expect(run?.errors.join('\n')).toMatch(/notes\.txt: not a file of this source/);
  });

  it('maps an export with its own names: file pattern, renamed columns, constants, cents, epoch dates, deletes', async () => {
    const t = await fresh({
      files: { accounts: 'companies-*.csv', subscriptions: 'billing_*.ndjson' },
      mapping: {
        accounts: {
          fields: { account_id: 'Company ID', name: 'Company Name', segment: { const: 'SMB' } },
          deleteWhen: { field: 'archived', equals: ['yes'] },
        },
        subscriptions: {
          fields: {
            line_id: 'id',
            account_id: 'customer',
            arr: { from: 'plan.amount', transform: 'cents-to-money' },
            start_date: { from: 'created', transform: 'epoch-to-date' },
            kind: { from: 'type', values: { sub: 'recurring', one_off: 'services' } },
          },
        },
      },
    });
    await t.put('companies-2026-11-23.csv', 'Company ID,Company Name,archived\nC1,One,\nC2,Two,\nC3,Three,\n');
    await t.put(
      'billing_export.ndjson',
      [
        { id: 'S1', customer: 'C1', plan: { amount: 123456 }, created: 1_764_000_000, type: 'sub' },
        { id: 'S2', customer: 'C2', plan: { amount: 'ten' }, created: 1_764_000_000, type: 'one_off' },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    const first = await t.run();
    expect(first.status).toBe('succeeded');
    let data = await t.store.loadDataset();
    expect(data.accounts.map((a) => [a.accountId, a.name, a.segment])).toEqual([
      ['C1', 'One', 'SMB'],
      ['C2', 'Two', 'SMB'],
      ['C3', 'Three', 'SMB'],
    ]);
    // 1_764_000_000 = 2025-11-24T16:00:00Z, the 24th in New York too.
    expect(data.subscriptions).toEqual([
      { lineId: 'S1', accountId: 'C1', kind: 'recurring', arr: 123456, startDate: '2025-11-24' },
    ]);
    expect(first.summary.rejects).toEqual([
      expect.objectContaining({
        line: 2,
        field: 'arr',
        reason: '"ten" is not a whole number of cents (source field plan.amount)',
      }),
    ]);

    // The source says C2 is gone (only its id and the flag are needed).
    await t.put('companies-2026-11-24.csv', 'Company ID,archived\nC2,yes\n');
    const second = await t.run();
    expect(second.deleted.accounts).toBe(1);
    data = await t.store.loadDataset();
    expect(data.accounts.map((a) => a.accountId)).toEqual(['C1', 'C3']);
  });

  it('is idempotent: the same file dropped again leaves the same items; the later row for an id wins across chunks', async () => {
    const t = await fresh({});
    const rows = ['account_id,name'];
    for (let i = 0; i < 120; i++) rows.push(`A${i % 50},name-${i}`); // ids repeat across chunks of 16
    const body = rows.join('\n');
    await t.put('accounts.csv', body);
    const first = await t.run({ chunkSize: 16 });
    await t.put('accounts.csv', body);
    const second = await t.run({ chunkSize: 16 });
    expect(first.status).toBe('succeeded');
    expect(second.status).toBe('succeeded');
    const data = await t.store.loadDataset();
    expect(data.accounts).toHaveLength(50);
    // A0 appears at rows 0, 50, 100: the last one wins.
    expect(data.accounts.find((a) => a.accountId === 'A0')?.name).toBe('name-100');
    expect(data.accounts.find((a) => a.accountId === 'A49')?.name).toBe('name-99');
    const runs = await t.ledger.list({ kind: 'ingest' });
    expect(runs.filter((r) => r.subject === t.name).map((r) => r.runId)).toEqual([second.runId, first.runId]);
  });

  it('crash mid-file: the run fails, the file stays in incoming/, and a rerun leaves exactly the right items', async () => {
    const t = await fresh({});
    const rows = ['account_id,name'];
    for (let i = 0; i < 100; i++) rows.push(`A${i % 40},v${i}`);
    await t.put('accounts.csv', rows.join('\n'));

    // The store dies after two chunks were written (a Lambda timeout or a DynamoDB outage).
    let writes = 0;
    const crashing: Store = {
      ...t.store,
      putRecords: async (entity, records) => {
        if (++writes > 2) throw Object.assign(new Error('connection reset'), { name: 'TimeoutError', $metadata: {} });
        await t.store.putRecords(entity, records);
      },
      loadDataset: () => t.store.loadDataset(),
      countRecords: () => t.store.countRecords(),
      putSnapshot: (s) => t.store.putSnapshot(s),
      getSnapshot: (a, b) => t.store.getSnapshot(a, b),
      listSnapshots: (a, b, c) => t.store.listSnapshots(a, b, c),
    };
    await expect(t.run({ store: crashing, chunkSize: 20 })).rejects.toThrow(/connection reset/);
    expect((await t.store.loadDataset()).accounts.length).toBeGreaterThan(0); // partly loaded
    expect(await keysUnder(`incoming/${t.name}/`)).toEqual([`incoming/${t.name}/accounts.csv`]);
    const [crashed] = await t.ledger.list({ kind: 'ingest', limit: 1 });
    expect(crashed).toMatchObject({
      subject: t.name,
      status: 'failed',
      errors: [expect.stringMatching(/connection reset/)],
    });

    const rerun = await t.run({ chunkSize: 20 });
    expect(rerun.status).toBe('succeeded');
    const data = await t.store.loadDataset();
    expect(data.accounts).toHaveLength(40);
    for (let id = 0; id < 40; id++) {
      const last = id + 40 * Math.floor((99 - id) / 40);
      expect(data.accounts.find((a) => a.accountId === `A${id}`)?.name).toBe(`v${last}`);
    }
    expect(await keysUnder(`incoming/${t.name}/`)).toEqual([]);
  });
});

describe('run ledger and sync state on DynamoDB Local', () => {
  it('lists runs newest first, across kinds or for one kind, with a limit; never mixes them into the dataset', async () => {
    const tableName = `pulse-ledger-${++tables}`;
    await ddb.send(new CreateTableCommand(pulseTableDefinition(tableName)));
    const ledger = new DynamoDbRunLedger({ client: ddb, tableName });
    const at = (m: number) => `2026-11-23T06:${String(m).padStart(2, '0')}:00.000Z`;
    const runs = [
      ['r1', 'ingest', 1],
      ['r2', 'compute', 2],
      ['r3', 'ingest', 3],
      ['r4', 'report', 4],
      ['r5', 'ingest', 5],
    ] as const;
    for (const [runId, kind, m] of runs)
      await ledger.start({ runId, kind, subject: 's', startedAt: at(m), period: '2026-W47' });
    await ledger.finish('r3', {
      status: 'succeeded',
      finishedAt: at(4),
      counts: { rows: 10, written: 9 },
      errors: [],
      rejects: { rows: 1, problems: 1, byField: { 'accounts.name': 1 } },
    });
    await ledger.finish('r5', { status: 'failed', finishedAt: at(6), counts: {}, errors: ['boom'] });

    expect((await ledger.list()).map((r) => r.runId)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    expect((await ledger.list({ limit: 2 })).map((r) => r.runId)).toEqual(['r5', 'r4']);
    expect((await ledger.list({ kind: 'ingest', limit: 2 })).map((r) => [r.runId, r.status])).toEqual([
      ['r5', 'failed'],
      ['r3', 'succeeded'],
    ]);
    expect(await ledger.get('r3')).toEqual({
      runId: 'r3',
      kind: 'ingest',
      subject: 's',
      period: '2026-W47',
      startedAt: at(3),
      finishedAt: at(4),
      status: 'succeeded',
      counts: { rows: 10, written: 9 },
      errors: [],
      rejects: { rows: 1, problems: 1, byField: { 'accounts.name': 1 } },
    });
    await expect(ledger.start({ runId: 'r1', kind: 'ingest', subject: 's', startedAt: at(9) })).rejects.toMatchObject({
      code: 'RUN_EXISTS',
    });
    await expect(ledger.finish('nope', { status: 'succeeded', counts: {}, errors: [] })).rejects.toMatchObject({
      code: 'RUN_NOT_FOUND',
    });

    const { DynamoDbSyncState } = await import('../../functions/adapters/dynamodb/sync-state');
    const state = new DynamoDbSyncState({ client: ddb, tableName });
    expect(await state.get('billing', 'hwm:subscriptions')).toBeUndefined();
    await state.put('billing', 'hwm:subscriptions', '1006');
    expect(await state.get('billing', 'hwm:subscriptions')).toBe('1006');
    await state.clear('billing', 'hwm:subscriptions');
    expect(await state.get('billing', 'hwm:subscriptions')).toBeUndefined();
    await state.put('billing', 'hwm:subscriptions', '1');

    const store = new DynamoDbStore({ client: ddb, tableName });
    expect(Object.values(await store.countRecords()).reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe('ingest handler (the Lambda entry) on the embedded stack', () => {
  it('runs each source of an S3 event, sets aside files of unknown folders, and runs the sources due at a scheduled time', async () => {
    const configPath = writeConfigFile({
      schedules: { ingest: { time: '06:00' } },
      sources: [
        { name: 'hq', connector: 's3-dropzone', entities: ['accounts'] },
        { name: 'late', connector: 's3-dropzone', entities: ['accounts'], schedule: { time: '05:15' } },
      ],
    });
    const undo = stack.applyEnv();
    process.env.PULSE_CONFIG_PATH = configPath;
    process.env.PULSE_ALERTS_FUNCTION = 'pulse-alert-digest';
    // Lambda is the one service the embedded stack has no emulator for: record the invocations.
    const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
    const { mockClient } = await import('aws-sdk-client-mock');
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const invoked = () =>
      lambda
        .commandCalls(InvokeCommand)
        .map((c) => [
          c.args[0].input.FunctionName,
          c.args[0].input.InvocationType,
          JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)).mode,
        ]);
    try {
      const { handler } = await import('../../functions/handlers/ingest');
      const bucket = stack.resources.dropzoneBucket;
      const put = (key: string, body: string) =>
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      await put('incoming/hq/accounts.csv', 'account_id,name\nH1,One\nH2,\n');
      await put('incoming/nobody/accounts.csv', 'account_id,name\nX1,x\n');
      const event = (keys: string[]) => ({
        Records: keys.map((k) => ({
          s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(k).replace(/%2F/g, '/') } },
        })),
      });

      const uploaded = await handler(event(['incoming/hq/accounts.csv', 'incoming/nobody/accounts.csv']));
      expect(uploaded.runs.map((r) => [r.source, r.status, r.written ?? 0, r.rejected ?? 0])).toEqual([
        ['hq', 'succeeded', 1, 1],
        ['nobody', 'failed', 0, 0],
      ]);
      const nobody = uploaded.runs[1]!;
      expect(await keysUnder(`failed/${nobody.runId}/`)).toEqual([`failed/${nobody.runId}/nobody/accounts.csv`]);
      expect(uploaded.runs[0]!.rejects).toBe(
        `s3://${stack.resources.rejectsBucket}/rejects/${uploaded.runs[0]!.runId}/rejects.csv`,
      );
      // data was written: the alert function is asked, asynchronously, for critical alerts now
      expect(invoked()).toEqual([['pulse-alert-digest', 'Event', 'critical']]);

      // 11:00 UTC is 06:00 in New York in November: "hq" (daily) is due, "late" (05:15) is not.
      await put('incoming/hq/accounts.csv', 'account_id,name\nH3,Three\n');
      await put('incoming/late/accounts.csv', 'account_id,name\nL1,Late\n');
      const scheduled = await handler({ scheduledTime: '2026-11-23T11:00:00Z' });
      expect(scheduled.runs.map((r) => [r.source, r.status, r.written])).toEqual([['hq', 'succeeded', 1]]);
      expect(await keysUnder('incoming/late/')).toEqual(['incoming/late/accounts.csv']);
      const late = await handler({ scheduledTime: '2026-11-23T10:15:00Z' });
      expect(late.runs.map((r) => [r.source, r.status, r.written])).toEqual([['late', 'succeeded', 1]]);
      expect(invoked()).toHaveLength(3);
      // a scheduled run with nothing due writes nothing and asks for no alerts
      await handler({ scheduledTime: '2026-11-23T12:30:00Z' });
      expect(invoked()).toHaveLength(3);

      const ledger = new DynamoDbRunLedger({ client: ddb, tableName: stack.resources.tableName });
      const runs = await ledger.list({ kind: 'ingest', limit: 10 });
      expect(runs.map((r) => [r.subject, r.trigger, r.status])).toEqual([
        ['late', 'schedule', 'succeeded'],
        ['hq', 'schedule', 'succeeded'],
        ['nobody', 'upload', 'failed'],
        ['hq', 'upload', 'succeeded'],
      ]);
    } finally {
      delete process.env.PULSE_CONFIG_PATH;
      delete process.env.PULSE_ALERTS_FUNCTION;
      lambda.restore();
      undo();
    }
  });
});
