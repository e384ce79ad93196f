// The embedded local AWS stack: DynamoDB Local, s3rver and aws-ses-v2-local on loopback ports,
// with the Pulse table and buckets created. Handlers, the CLI and the tests use the ordinary AWS
// SDK v3 clients; only the endpoints change (through the environment, see `env`/`applyEnv`).
import { constants as fsConstants } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  CreateTableCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ATTR, auditTableDefinition, pulseTableDefinition } from '../../functions/adapters/dynamodb/table';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDb, startS3, startSes, type Started } from './emulators';
import { LocalStackError, type EmulatorName } from './errors';
import { checkJava } from './java';
import { assertPortFree } from './ports';
import { Reaper, releaseHooksIfIdle, type ManagedChild } from './processes';

export interface LocalResources {
  tableName: string;
  /** The archive's audit trail (docs/archive-access.md). */
  auditTableName: string;
  archiveBucket: string;
  dropzoneBucket: string;
  rejectsBucket: string;
}

export const DEFAULT_LOCAL_RESOURCES: LocalResources = {
  tableName: 'pulse',
  auditTableName: 'pulse-audit',
  archiveBucket: 'pulse-archive',
  dropzoneBucket: 'pulse-dropzone',
  rejectsBucket: 'pulse-rejects',
};

export interface LocalStackOptions {
  /** Where persisted data lives (`<dataDir>/dynamodb`, `<dataDir>/s3`); default `.pulse`. */
  dataDir?: string;
  /** Default true. false: DynamoDB in memory, S3 in a temp dir removed by stop(). */
  persist?: boolean;
  /** Receives progress messages and every emulator output line (prefixed `[dynamodb]` ...). */
  log?: (msg: string) => void;
  /** Fixed ports; each one left out is chosen free at run time. */
  ports?: Partial<Record<EmulatorName, number>>;
  /** Names of the table and buckets (defaults: DEFAULT_LOCAL_RESOURCES). */
  resources?: Partial<LocalResources>;
  /** How long each emulator may take to answer (default 60 s; DynamoDB Local takes 2-8 s). */
  startTimeoutMs?: number;
}

export interface LocalEndpoints {
  dynamodb: string;
  s3: string;
  /** The SES (v1 and v2) HTTP API; GET `${ses}/store` lists the messages sent. */
  ses: string;
  /** The SES web viewer, for a person. */
  sesViewer: string;
}

export interface LocalStack {
  endpoints: LocalEndpoints;
  /** What the AWS SDK v3 clients and the Pulse handlers need to use this stack. */
  env: Record<string, string>;
  resources: LocalResources;
  /** Process ids of the emulators (dynamodb is the JVM) and of the reaper that guards them. */
  pids: Record<EmulatorName | 'reaper', number>;
  /** Absolute data directory when persisting. */
  dataDir: string | undefined;
  /** Milliseconds from start until each emulator answered, the table/bucket setup, and in total. */
  timings: Record<EmulatorName | 'setup' | 'total', number>;
  /** Stops every emulator and waits for the processes to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Copies `env` into process.env (dropping AWS_SESSION_TOKEN and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS); returns an undo. */
  applyEnv(): () => void;
}

/** Variables applyEnv removes: a real session token, or a switch that makes the SDK ignore the endpoints. */
const CLEARED_BY_APPLY_ENV = ['AWS_SESSION_TOKEN', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'];

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const t0 = Date.now();
  const log = opts.log;
  const persist = opts.persist ?? true;
  const resources: LocalResources = { ...DEFAULT_LOCAL_RESOURCES, ...opts.resources };
  const timeoutMs = opts.startTimeoutMs ?? 60_000;

  // Requested ports first: a taken port fails fast, before anything is spawned.
  for (const [name, port] of Object.entries(opts.ports ?? {}) as [EmulatorName, number | undefined][]) {
    if (port !== undefined) await assertPortFree(port, name);
  }

  // ---- directories ----
  let dataDir: string | undefined;
  let tempDir: string | undefined;
  let workingDynamoDir: string | undefined;
  let lockFile: string | undefined;
  let s3Dir: string;
  let dynamoDir: string | undefined;
  if (persist) {
    dataDir = resolve(opts.dataDir ?? '.pulse');
    dynamoDir = join(dataDir, 'dynamodb');
    s3Dir = join(dataDir, 's3');
    await Promise.all([mkdir(dynamoDir, { recursive: true }), mkdir(s3Dir, { recursive: true })]);
    lockFile = join(dataDir, 'local-stack.pid');
    await acquireLock(lockFile, dataDir);
    // DynamoDB Local keeps its data in SQLite and syncs every write to disk, which makes it about
    // five times slower than in memory. Work on a copy in RAM (tmpfs) and save it back on stop():
    // a crash loses only that session's writes, never the saved state.
    workingDynamoDir = await stageInMemory(dynamoDir);
    if (workingDynamoDir) tempDir = workingDynamoDir;
  } else {
    tempDir = await mkdtemp(join(tmpdir(), 'pulse-local-'));
    s3Dir = join(tempDir, 's3');
  }

  let dynamoStarted = false;
  const children: ManagedChild[] = [];
  const reaper = Reaper.start(log);
  if (tempDir) reaper.removeLater(tempDir);
  // Once one emulator fails, the others are ended at once (and any spawned later), so a failed
  // start reports in moments instead of after the slowest emulator came up.
  let aborted = false;
  let firstFailure: PromiseRejectedResult | undefined;
  const track = (child: ManagedChild): void => {
    children.push(child);
    reaper.watch(child);
    if (aborted) child.signal('SIGTERM');
  };
  const abort = (): void => {
    aborted = true;
    for (const c of children) c.signal('SIGTERM');
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all(children.map((c) => c.stop()));
      // Only after the JVM has exited is its database file complete.
      if (workingDynamoDir && dynamoDir && dynamoStarted) await saveFromMemory(workingDynamoDir, dynamoDir);
      await reaper.stop();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
      if (lockFile) await releaseLock(lockFile);
      releaseHooksIfIdle();
    })());

  // ---- the three emulators, in parallel ----
  const timings = { dynamodb: 0, s3: 0, ses: 0, setup: 0, total: 0 };
  const timed = async (name: EmulatorName, start: () => Promise<Started>): Promise<Started> => {
    let started: Started;
    try {
      started = await start();
    } catch (err) {
      if (!aborted) {
        firstFailure = { status: 'rejected', reason: err };
        abort();
      }
      throw err;
    }
    timings[name] = Date.now() - t0;
    log?.(`${name} answers at ${started.endpoint} (${timings[name]} ms)`);
    return started;
  };
  const common = { timeoutMs, track, ...(log ? { log } : {}) };
  const results = await Promise.allSettled([
    timed('dynamodb', async () => {
      await checkJava();
      return startDynamoDb({ ...common, port: opts.ports?.dynamodb, dbPath: workingDynamoDir ?? dynamoDir }).then(
        (started) => {
          dynamoStarted = true;
          return started;
        },
      );
    }),
    timed('s3', () => startS3({ ...common, port: opts.ports?.s3, directory: s3Dir })),
    timed('ses', () => startSes({ ...common, port: opts.ports?.ses })),
  ]);
  // The first failure is the cause; the others are emulators we ended because of it.
  const failed = firstFailure ?? results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [dynamodb, s3, ses] = results.map((r) => (r as PromiseFulfilledResult<Started>).value) as [
    Started,
    Started,
    Started,
  ];

  // ---- table and buckets ----
  const tSetup = Date.now();
  try {
    await Promise.all([
      ensureTable(dynamodb.endpoint, resources.tableName, dataDir),
      ensureTable(dynamodb.endpoint, resources.auditTableName, dataDir, auditTableDefinition),
      ensureBuckets(s3.endpoint, [resources.archiveBucket, resources.dropzoneBucket, resources.rejectsBucket]),
    ]);
  } catch (err) {
    await stop();
    if (err instanceof LocalStackError) throw err;
    throw new LocalStackError(
      'SETUP_FAILED',
      `Creating the local table and buckets failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
  timings.setup = Date.now() - tSetup;
  timings.total = Date.now() - t0;
  log?.(`local stack ready in ${timings.total} ms${persist ? ` (data in ${dataDir})` : ' (in memory)'}`);

  const endpoints: LocalEndpoints = {
    dynamodb: dynamodb.endpoint,
    s3: s3.endpoint,
    ses: ses.endpoint,
    sesViewer: `${ses.endpoint}/`,
  };
  const env = localEnv(endpoints, resources);

  return {
    endpoints,
    env,
    resources,
    pids: { dynamodb: dynamodb.child.pid!, s3: s3.child.pid!, ses: ses.child.pid!, reaper: reaper.child.pid! },
    dataDir,
    timings,
    stop,
    applyEnv: () => applyEnv(env),
  };
}

/** Starts a stack, runs `fn` with it, and always stops it (also when `fn` throws). */
export async function withLocalStack<T>(
  opts: LocalStackOptions,
  fn: (stack: LocalStack) => Promise<T> | T,
): Promise<T> {
  const stack = await startLocalStack(opts);
  try {
    return await fn(stack);
  } finally {
    await stack.stop();
  }
}

/** The environment for SDK clients and handlers: endpoints, dummy credentials, resource names. */
export function localEnv(endpoints: LocalEndpoints, resources: LocalResources): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    // s3rver corrupts streamed (aws-chunked) uploads and sends no checksums back.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    PULSE_TABLE: resources.tableName,
    PULSE_AUDIT_TABLE: resources.auditTableName,
    PULSE_ARCHIVE_BUCKET: resources.archiveBucket,
    PULSE_DROPZONE_BUCKET: resources.dropzoneBucket,
    PULSE_REJECTS_BUCKET: resources.rejectsBucket,
  };
}

function applyEnv(env: Record<string, string>): () => void {
  const touched = [...Object.keys(env), ...CLEARED_BY_APPLY_ENV];
  const saved = new Map(touched.map((k) => [k, process.env[k]]));
  for (const k of CLEARED_BY_APPLY_ENV) delete process.env[k];
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

// ---- setup -----------------------------------------------------------------------------------

async function ensureTable(
  endpoint: string,
  tableName: string,
  dataDir: string | undefined,
  definition = pulseTableDefinition,
): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const wanted = definition(tableName);
  try {
    let table: TableDescription | undefined;
    try {
      table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    }
    if (!table) {
      try {
        await client.send(new CreateTableCommand(wanted));
      } catch (err) {
        if ((err as Error).name !== 'ResourceInUseException') throw err;
      }
    } else {
      const has = JSON.stringify(table.KeySchema);
      const want = JSON.stringify(wanted.KeySchema);
      if (has !== want) {
        throw new LocalStackError(
          'SETUP_FAILED',
          `The local table "${tableName}" has key schema ${has}, not ${want}.` +
            (dataDir ? ` Delete ${join(dataDir, 'dynamodb')} to recreate it (its data is lost).` : ''),
        );
      }
      // Indexes added to the design after this data directory was created.
      const existing = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
      for (const gsi of wanted.GlobalSecondaryIndexes ?? []) {
        if (existing.has(gsi.IndexName)) continue;
        await client.send(
          new UpdateTableCommand({
            TableName: tableName,
            AttributeDefinitions: wanted.AttributeDefinitions,
            GlobalSecondaryIndexUpdates: [
              { Create: { IndexName: gsi.IndexName, KeySchema: gsi.KeySchema, Projection: gsi.Projection } },
            ],
          }),
        );
      }
    }
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: ATTR.ttl, Enabled: true },
        }),
      );
    }
  } catch (err) {
    if (err instanceof LocalStackError) throw err;
    throw new LocalStackError(
      'SETUP_FAILED',
      `Creating the table "${tableName}" in DynamoDB Local failed: ${(err as Error).message}`,
      {
        emulator: 'dynamodb',
        cause: err,
      },
    );
  } finally {
    client.destroy();
  }
}

async function ensureBuckets(endpoint: string, buckets: string[]): Promise<void> {
  const client = new S3Client({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  try {
    await Promise.all(
      buckets.map(async (Bucket) => {
        try {
          await client.send(new CreateBucketCommand({ Bucket }));
        } catch (err) {
          const name = (err as Error).name;
          if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return;
          throw new LocalStackError(
            'SETUP_FAILED',
            `Creating the bucket "${Bucket}" in s3rver failed: ${(err as Error).message}`,
            {
              emulator: 's3',
              cause: err,
            },
          );
        }
      }),
    );
  } finally {
    client.destroy();
  }
}

// ---- one stack per data directory ------------------------------------------------------------

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLock(file: string, dataDir: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new LocalStackError(
        'DATA_DIR_IN_USE',
        `A local stack (process ${owner}${owner === process.pid ? ', this one' : ''}) already uses ${dataDir}. ` +
          `Stop it first, or use another data directory (if process ${owner} is not a Pulse stack, delete ${file}).`,
      );
    }
    await unlink(file).catch(() => {}); // stale: its process is gone
  }
  throw new LocalStackError('DATA_DIR_IN_USE', `Could not lock ${dataDir} (${file} keeps reappearing).`);
}

async function releaseLock(file: string): Promise<void> {
  const owner = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (owner === String(process.pid)) await unlink(file).catch(() => {});
}

const RAM_DISK = '/dev/shm';

/** Copies a DynamoDB Local data directory to a fresh folder on tmpfs; undefined where there is none. */
async function stageInMemory(dynamoDir: string): Promise<string | undefined> {
  try {
    await access(RAM_DISK, fsConstants.W_OK);
  } catch {
    return undefined;
  }
  const working = await mkdtemp(join(RAM_DISK, 'pulse-dynamodb-'));
  for (const name of await readdir(dynamoDir)) {
    if (name.endsWith('.db')) await copyFile(join(dynamoDir, name), join(working, name));
  }
  return working;
}

/** Saves the working database files back, each written aside first and then renamed into place. */
async function saveFromMemory(working: string, dynamoDir: string): Promise<void> {
  for (const name of await readdir(working)) {
    if (!name.endsWith('.db')) continue;
    const aside = join(dynamoDir, `${name}.saving`);
    await copyFile(join(working, name), aside);
    await rename(aside, join(dynamoDir, name));
  }
}
