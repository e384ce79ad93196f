// The embedded local stack: the three emulators answer through ordinary SDK clients configured by
// the environment alone, stop() leaves no process behind, data persists across restarts, and
// failures are typed errors that say what to do.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../functions/adapters/dynamodb';
import { LocalStackError, startLocalStack, withLocalStack, type LocalStack } from '../../lib/local';
import { ManagedChild } from '../../lib/local/processes';

/** A process that exists and is not a zombie (an exited child not yet reaped by its parent). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** Runs `fn` with the stack's environment applied, then restores process.env. */
async function withEnv<T>(stack: LocalStack, fn: () => Promise<T>): Promise<T> {
  const restore = stack.applyEnv();
  try {
    return await fn();
  } finally {
    restore();
  }
}

describe('local stack (in memory)', () => {
  let stack: LocalStack;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ persist: false, log: (m) => logs.push(m) });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('reports loopback endpoints, resources and the environment for the SDK', () => {
    for (const url of Object.values(stack.endpoints)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/?$/);
    expect(stack.endpoints.sesViewer).toBe(`${stack.endpoints.ses}/`);
    expect(stack.resources).toEqual({
      tableName: 'pulse',
      auditTableName: 'pulse-audit',
      archiveBucket: 'pulse-archive',
      dropzoneBucket: 'pulse-dropzone',
      rejectsBucket: 'pulse-rejects',
    });
    expect(stack.env).toMatchObject({
      AWS_REGION: expect.any(String),
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
      AWS_ENDPOINT_URL_SESV2: stack.endpoints.ses,
      AWS_ENDPOINT_URL_SES: stack.endpoints.ses,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      PULSE_TABLE: 'pulse',
      PULSE_AUDIT_TABLE: 'pulse-audit',
      PULSE_ARCHIVE_BUCKET: 'pulse-archive',
      PULSE_DROPZONE_BUCKET: 'pulse-dropzone',
      PULSE_REJECTS_BUCKET: 'pulse-rejects',
    });
    expect(stack.dataDir).toBeUndefined();
    expect(logs.some((l) => l.startsWith('local stack ready in'))).toBe(true);
  });

  it('applyEnv points default SDK clients at the stack and its undo restores process.env', async () => {
    const before = { ...process.env };
    const restore = stack.applyEnv();
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(stack.endpoints.dynamodb);
    restore();
    expect(process.env).toEqual(before);
  });

  it('DynamoDB answers, with the Pulse table, its index and TTL', async () => {
    await withEnv(stack, async () => {
      const ddb = new DynamoDBClient({});
      try {
        expect((await ddb.send(new ListTablesCommand({}))).TableNames).toContain('pulse');
        const table = (await ddb.send(new DescribeTableCommand({ TableName: 'pulse' }))).Table!;
        expect(table.KeySchema).toEqual([
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ]);
        expect(table.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['GSI1']);
        const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'pulse' }));
        expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
        // The archive's audit trail: its own table, TTL on the same attribute.
        const audit = (await ddb.send(new DescribeTableCommand({ TableName: 'pulse-audit' }))).Table!;
        expect(audit.KeySchema).toEqual(table.KeySchema);
        expect(
          (await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'pulse-audit' }))).TimeToLiveDescription
            ?.TimeToLiveStatus,
        ).toBe('ENABLED');
      } finally {
        ddb.destroy();
      }
    });
  });

  it('S3 answers with the buckets; a default client (no forcePathStyle) puts, gets and pages listings', async () => {
    await withEnv(stack, async () => {
      const s3 = new S3Client({});
      try {
        const names = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
        expect(names).toEqual(expect.arrayContaining(['pulse-archive', 'pulse-dropzone', 'pulse-rejects']));

        const body = 'month,sales_marketing\n2026-01,12000.50\n'.repeat(2_000);
        for (const k of ['a.csv', 'b.csv', 'c.csv']) {
          await s3.send(
            new PutObjectCommand({ Bucket: 'pulse-dropzone', Key: `in/${k}`, Body: body, ContentType: 'text/csv' }),
          );
        }
        const got = await s3.send(new GetObjectCommand({ Bucket: 'pulse-dropzone', Key: 'in/b.csv' }));
        expect(await got.Body!.transformToString()).toBe(body);

        // Pagination: continuation tokens are what needs --openssl-legacy-provider in s3rver.
        const page1 = await s3.send(new ListObjectsV2Command({ Bucket: 'pulse-dropzone', Prefix: 'in/', MaxKeys: 2 }));
        expect(page1.Contents?.map((o) => o.Key)).toEqual(['in/a.csv', 'in/b.csv']);
        expect(page1.IsTruncated).toBe(true);
        const page2 = await s3.send(
          new ListObjectsV2Command({
            Bucket: 'pulse-dropzone',
            Prefix: 'in/',
            MaxKeys: 2,
            ContinuationToken: page1.NextContinuationToken!,
          }),
        );
        expect(page2.Contents?.map((o) => o.Key)).toEqual(['in/c.csv']);
      } finally {
        s3.destroy();
      }
    });
  });

  it('SES answers: a message sent with SendEmailCommand shows up in GET /store', async () => {
    const subject = `Pulse weekly report ${Date.now()}`;
    await withEnv(stack, async () => {
      const ses = new SESv2Client({});
      try {
        const out = await ses.send(
          new SendEmailCommand({
            FromEmailAddress: 'pulse@northwind.example',
            Destination: { ToAddresses: ['ceo@northwind.example'] },
            Content: {
              Simple: {
                Subject: { Data: subject },
                Body: { Text: { Data: 'ARR up' }, Html: { Data: '<p>ARR up</p>' } },
              },
            },
          }),
        );
        expect(out.MessageId).toBeTruthy();
      } finally {
        ses.destroy();
      }
    });
    const store = (await (await fetch(`${stack.endpoints.ses}/store`)).json()) as {
      emails: { subject: string; messageId: string }[];
    };
    expect(store.emails.filter((e) => e.subject === subject)).toHaveLength(1);
    // aws-ses-v2-local alone crashes on this request (it answers twice); our child survives it.
    expect((await fetch(`${stack.endpoints.ses}/get-emlContent?messageId=unknown`)).status).toBe(400);
    expect((await fetch(`${stack.endpoints.ses}/health-check`)).status).toBe(200);
    const viewer = await fetch(stack.endpoints.sesViewer);
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get('content-type')).toContain('text/html');
  });

  it('stop() ends every child process (the JVM included) and can be called twice', async () => {
    const pids = Object.values(stack.pids);
    expect(pids).toHaveLength(4);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);

    await stack.stop();
    await stack.stop();

    for (const pid of pids) expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
  });
});

describe('local stack orphans', () => {
  it('leaves no emulator behind when its owner is killed with SIGKILL (the reaper ends them)', async () => {
    const entry = resolve('lib/local/index.ts');
    const owner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { startLocalStack } from ${JSON.stringify(entry)};
         const s = await startLocalStack({ persist: false });
         console.log('PIDS ' + JSON.stringify(s.pids));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const child = new ManagedChild('dynamodb', owner);
    try {
      const m = await child.waitForLine(/^PIDS (\{.*\})$/, 90_000);
      const byName = JSON.parse(m[1]!) as Record<string, number>;
      const pids = Object.values(byName);
      for (const pid of pids) expect(isAlive(pid)).toBe(true);
      // The stack's temporary S3 directory, from the s3rver child's arguments.
      const args = readFileSync(`/proc/${byName.s3}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const tempDir = dirname((JSON.parse(args[args.length - 1]!) as { directory: string }).directory);
      expect(existsSync(tempDir)).toBe(true);

      owner.kill('SIGKILL');
      await child.closed;

      expect(await waitUntilGone(pids, 15_000)).toEqual([]);
      await expect.poll(() => existsSync(tempDir), { timeout: 10_000, interval: 100 }).toBe(false);
    } finally {
      await child.stop(1_000);
    }
  }, 150_000);
});

describe('local stack (persistent)', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-persist-test-'));
  });

  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps DynamoDB items and S3 objects across a restart, and refuses a second stack on the same data directory', async () => {
    const pids = await withLocalStack({ dataDir }, async (stack) => {
      expect(stack.dataDir).toBe(dataDir);
      const client = new DynamoDBClient({
        endpoint: stack.endpoints.dynamodb,
        region: stack.env.AWS_REGION!,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      const s3 = new S3Client({
        endpoint: stack.endpoints.s3,
        region: stack.env.AWS_REGION!,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      try {
        await new DynamoDbStore({ client, tableName: stack.resources.tableName }).putRecords('accounts', [
          { accountId: 'A-1', name: 'Acme' },
        ]);
        await s3.send(
          new PutObjectCommand({
            Bucket: stack.resources.archiveBucket,
            Key: 'weeks/2026-W47/manifest.json',
            Body: '{"ok":true}',
          }),
        );
      } finally {
        client.destroy();
        s3.destroy();
      }

      const second = await startLocalStack({ dataDir }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(LocalStackError);
      expect((second as LocalStackError).code).toBe('DATA_DIR_IN_USE');
      return Object.values(stack.pids);
    });
    for (const pid of pids) expect(isAlive(pid)).toBe(false);

    await withLocalStack({ dataDir }, async (stack) => {
      const client = new DynamoDBClient({
        endpoint: stack.endpoints.dynamodb,
        region: stack.env.AWS_REGION!,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      const s3 = new S3Client({
        endpoint: stack.endpoints.s3,
        region: stack.env.AWS_REGION!,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      try {
        const data = await new DynamoDbStore({ client, tableName: stack.resources.tableName }).loadDataset();
        expect(data.accounts).toEqual([{ accountId: 'A-1', name: 'Acme' }]);
        const obj = await s3.send(
          new GetObjectCommand({ Bucket: stack.resources.archiveBucket, Key: 'weeks/2026-W47/manifest.json' }),
        );
        expect(await obj.Body!.transformToString()).toBe('{"ok":true}');
      } finally {
        client.destroy();
        s3.destroy();
      }
    });
  }, 180_000);
});

describe('local stack errors', () => {
  it('says how to install Java when `java` is not on PATH', async () => {
    const path = process.env.PATH;
    const empty = await mkdtemp(join(tmpdir(), 'pulse-no-java-'));
    process.env.PATH = empty;
    try {
      const err = await startLocalStack({ persist: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalStackError);
      expect((err as LocalStackError).code).toBe('JAVA_MISSING');
      expect((err as LocalStackError).message).toContain('apt-get install -y openjdk-17-jre-headless');
      expect((err as LocalStackError).message).toMatch(/Java 11\+/);
    } finally {
      process.env.PATH = path;
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('names the port when a requested port is taken, before starting anything', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const started = Date.now();
      const err = await startLocalStack({ persist: false, ports: { s3: port } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalStackError);
      expect(err).toMatchObject({ code: 'PORT_UNAVAILABLE', emulator: 's3' });
      expect((err as Error).message).toContain(`Port ${port}`);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('reports an emulator that exits early with its exit code and the tail of its stderr', async () => {
    const proc = spawn(
      process.execPath,
      ['-e', 'console.log("starting"); console.error("java.net.BindException: boom"); process.exit(3)'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const child = new ManagedChild('dynamodb', proc);
    const err = await child.waitForLine(/^PULSE_READY/, 10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalStackError);
    expect(err).toMatchObject({ code: 'EMULATOR_EXITED', emulator: 'dynamodb' });
    expect((err as LocalStackError).message).toContain('DynamoDB Local exited with code 3');
    expect((err as LocalStackError).logTail).toContain('java.net.BindException: boom');
  });
});
