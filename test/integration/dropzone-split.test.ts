// Fan-out of large drop-zone files through the ingest handler on the embedded stack (s3rver +
// DynamoDB Local): a file over `ingest.partRows` is split into parts under parts/<source>/, the
// original moves to processed/, each part is ingested by its own invocation (here: the S3 event of
// each part, delivered by hand: s3rver sends no events), rejects name the original file and line,
// and a rerun of the split and of the parts neither loses nor doubles a row.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../functions/adapters/dynamodb';
import { DynamoDbRunLedger } from '../../functions/adapters/dynamodb/run-ledger';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalStack, type LocalStack } from '../../lib/local';
import { readFileSync } from 'node:fs';
import { parseConfigText, type PulseConfig } from '../../functions/config';
import { writeConfigFile } from '../support/config-doc';

let stack: LocalStack;
let ddb: DynamoDBClient;
let s3: S3Client;
let undo: () => void;
let config: PulseConfig;

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
  const configPath = writeConfigFile({
    schedules: { ingest: { time: '06:00' } },
    ingest: { partRows: 10 },
    sources: [
      { name: 'big', connector: 's3-dropzone', entities: ['accounts', 'usage'] },
      { name: 'cli', connector: 's3-dropzone', entities: ['accounts'], schedule: 'manual' },
    ],
  });
  undo = stack.applyEnv();
  process.env.PULSE_CONFIG_PATH = configPath;
  config = parseConfigText(readFileSync(configPath, 'utf8'), configPath);
});

afterAll(async () => {
  delete process.env.PULSE_CONFIG_PATH;
  undo?.();
  ddb?.destroy();
  s3?.destroy();
  await stack?.stop();
});

const bucket = () => stack.resources.dropzoneBucket;
const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body }));
const event = (keys: string[]) => ({
  Records: keys.map((k) => ({
    s3: { bucket: { name: bucket() }, object: { key: encodeURIComponent(k).replace(/%2F/g, '/') } },
  })),
});
async function keysUnder(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket(), Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}
async function readRejects(location: string): Promise<string> {
  const [, , b, ...rest] = location.split('/');
  const out = await s3.send(new GetObjectCommand({ Bucket: b, Key: rest.join('/') }));
  return out.Body!.transformToString();
}

/** 25 accounts; rows A5 and A19 (original lines 6 and 20) have no name. */
const BIG =
  [
    'account_id,name,segment',
    ...Array.from({ length: 25 }, (_, i) => `A${i + 1},${[5, 19].includes(i + 1) ? '' : `Acme ${i + 1}`},SMB`),
  ].join('\n') + '\n';

describe('large drop-zone files fan out into parts', () => {
  it('splits a 25-row file into 3 parts of 10, ingests each part alone, rejects keep the original file and line; reruns are idempotent', async () => {
    const { handler } = await import('../../functions/handlers/ingest');
    const store = new DynamoDbStore({ client: ddb, tableName: stack.resources.tableName });
    await put('incoming/big/accounts.csv', BIG);
    await put('incoming/big/usage.csv', 'account_id,week,weekly_active_users,licensed_seats\nA1,2026-11-16,5,10\n');

    const first = await handler(event(['incoming/big/accounts.csv', 'incoming/big/usage.csv']));
    // one recorded split (3 parts), then the small file ingested whole in the same invocation
    expect(first.runs.map((r) => [r.status, r.split ?? null, r.written])).toEqual([
      ['succeeded', { files: 1, parts: 3 }, 0],
      ['succeeded', null, 1],
    ]);
    const splitRun = first.runs[0]!.runId!;
    expect(await keysUnder('incoming/')).toEqual([]);
    expect(await keysUnder(`processed/${splitRun}/`)).toEqual([`processed/${splitRun}/big/accounts.csv`]);
    const parts = await keysUnder('parts/big/');
    expect(parts.map((k) => k.replace(/^parts\/big\/[0-9a-f]+\//, ''))).toEqual([
      '00001-L0/accounts.csv',
      '00002-L10/accounts.csv',
      '00003-L20/accounts.csv',
    ]);
    expect(await store.countRecords()).toMatchObject({ accounts: 0, usage: 1 });

    // each part: its own invocation (the part's S3 event)
    const partRuns = [];
    for (const key of parts) partRuns.push(...(await handler(event([key]))).runs);
    expect(partRuns.map((r) => [r.status, r.written, r.rejected])).toEqual([
      ['succeeded', 9, 1],
      ['succeeded', 9, 1],
      ['succeeded', 5, 0],
    ]);
    expect(await store.countRecords()).toMatchObject({ accounts: 23 });
    expect(await keysUnder('parts/')).toEqual([]); // a part read to the end is deleted
    const rejects = [await readRejects(partRuns[0]!.rejects!), await readRejects(partRuns[1]!.rejects!)].join('');
    expect(rejects).toContain('big,incoming/big/accounts.csv,6,name,');
    expect(rejects).toContain('big,incoming/big/accounts.csv,20,name,');

    // the ledger: the split run and one run per part, triggered by the part
    const ledger = new DynamoDbRunLedger({ client: ddb, tableName: stack.resources.tableName });
    const runs = await ledger.list({ kind: 'ingest', limit: 10 });
    expect(runs.filter((r) => r.trigger === 'part')).toHaveLength(3);
    expect(runs.find((r) => r.runId === splitRun)?.counts).toMatchObject({
      files: 1,
      'split.parts': 3,
      'split.rows': 25,
    });

    // the same file again, on a schedule: the same part keys (content-addressed), and ingesting
    // them again (one part twice, as a retried invocation would) leaves exactly the same items
    await put('incoming/big/accounts.csv', BIG.replace('Acme 1,', 'Acme One,'));
    const scheduled = await handler({ scheduledTime: '2026-11-23T11:00:00Z' });
    expect(scheduled.runs[0]?.split).toEqual({ files: 1, parts: 3 });
    const again = await keysUnder('parts/big/');
    expect(again).toHaveLength(3);
    await handler(event([again[0]!]));
    const retried = await handler(event(again)); // part 1 is gone (already done): noted, not an error
    expect(retried.runs.map((r) => r.status)).toEqual(['succeeded']);
    expect(await store.countRecords()).toMatchObject({ accounts: 23 });
    const a1 = (await store.loadDataset()).accounts.find((a) => a.accountId === 'A1');
    expect(a1?.name).toBe('Acme One');
  });

  it('announces a part again when it has waited too long (its invocation failed every retry): copied onto itself, content kept', async () => {
    const { DropZoneSource } = await import('../../functions/adapters/s3/dropzone-source');
    const { redispatchWaitingParts } = await import('../../functions/app/split-large-files');
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const key = 'parts/big/0123456789ab/00002-L10/accounts.csv';
    await put(key, 'account_id,name\nW1,Waiting\n');
    const zone = new DropZoneSource({ client: s3, bucket: bucket(), prefix: 'incoming/big/' });
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket(), Key: key }));
    expect(await redispatchWaitingParts(zone, { sourceName: 'big', waitingLongerThanMs: 3_600_000 })).toEqual([]); // not waiting long yet
    const later = () => new Date(Date.now() + 2 * 3_600_000);
    expect(
      await redispatchWaitingParts(zone, { sourceName: 'big', waitingLongerThanMs: 3_600_000, now: later }),
    ).toEqual([key]);
    // In S3 a copy onto itself with new metadata is a new object: an s3:ObjectCreated:Copy event
    // (s3rver sends no events and keeps LastModified; the new metadata shows the copy was made).
    const after = await s3.send(new HeadObjectCommand({ Bucket: bucket(), Key: key }));
    expect(after.Metadata?.['pulse-redispatched']).toBeDefined();
    expect(before.Metadata?.['pulse-redispatched']).toBeUndefined();
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket(), Key: key }))).Body!.transformToString();
    expect(body).toBe('account_id,name\nW1,Waiting\n');
  });

  it('pulse sources sync splits a large file too, and on the local stack (no S3 events) ingests each part as a run of its own, with parts left waiting', async () => {
    const { syncSource } = await import('../../bin/commands/sources');
    const store = new DynamoDbStore({ client: ddb, tableName: stack.resources.tableName });
    const runLedger = new DynamoDbRunLedger({ client: ddb, tableName: stack.resources.tableName });
    const session = {
      target: 'local' as const,
      resources: stack.resources,
      store,
      runLedger,
      s3,
      close: async () => {},
    };
    const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => `C${from + i},Cli ${from + i},SMB`);
    await put('incoming/cli/accounts.csv', ['account_id,name,segment', ...ids(1, 25)].join('\n') + '\n');
    // a part an earlier split left behind (its ingest never ran)
    await put('parts/cli/0123456789ab/00002-L10/accounts.csv', 'account_id,name,segment\nC100,Left waiting,SMB\n');

    const result = await syncSource(session, config, 'cli', { full: false });

    expect(result.failures).toEqual([]);
    expect(result.runs.map((r) => [r.status, r.split ?? null, r.written])).toEqual([
      ['succeeded', { files: 1, parts: 3 }, 0],
      ['succeeded', null, 0], // what is left whole in incoming/cli/: nothing
      ['succeeded', null, 1], // the part left waiting (its own run)
      ['succeeded', null, 10],
      ['succeeded', null, 10],
      ['succeeded', null, 5],
    ]);
    expect(await keysUnder('incoming/cli/')).toEqual([]);
    expect(await keysUnder('parts/cli/')).toEqual([]);
    const accounts = (await store.loadDataset()).accounts.filter((a) => a.accountId.startsWith('C'));
    expect(accounts.map((a) => a.accountId).sort()).toEqual(
      [...ids(1, 25).map((l) => l.split(',')[0]!), 'C100'].sort(),
    );
    const runs = await runLedger.list({ kind: 'ingest', limit: 20 });
    const cliRuns = runs.filter((r) => r.subject === 'cli');
    expect(cliRuns.filter((r) => r.trigger === 'part')).toHaveLength(4);
    expect(cliRuns.filter((r) => r.trigger === 'cli')).toHaveLength(2); // the split, the rest of the folder
  });
});
