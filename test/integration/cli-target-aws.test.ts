// `--target aws` runs the same code against any AWS endpoint: here the embedded emulators, reached
// only through the standard AWS SDK environment variables, as a deployed stack would be.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { access } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../functions/adapters/dynamodb';
import { generateDemoData, writeDemoFiles } from '../../functions/adapters/sources/demo';
import { startLocalStack, type LocalStack } from '../../lib/local';

const ROOT = resolve(import.meta.dirname, '../..');

describe('pulse --target aws', () => {
  let stack: LocalStack;
  const work = mkdtempSync(join(tmpdir(), 'pulse-aws-'));

  beforeAll(async () => {
    stack = await startLocalStack({ persist: false });
    await writeDemoFiles(generateDemoData({ endDate: '2026-11-23', accounts: 25, seed: 5 }), join(work, 'data'));
  });
  afterAll(async () => stack?.stop());

  it('ingests into the table named by the environment, starting no local stack', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, 'bin/pulse-cli.mjs'),
        'ingest',
        '--data',
        join(work, 'data'),
        '--target',
        'aws',
        '-c',
        join(ROOT, 'pulse.config.json'),
      ],
      { cwd: work, env: { ...process.env, ...stack.env }, timeout: 120_000 },
    );
    expect(stdout).toMatch(/Items in the table pulse now: accounts 25,/);
    const client = new DynamoDBClient({
      endpoint: stack.endpoints.dynamodb,
      region: stack.env.AWS_REGION,
      credentials: { accessKeyId: stack.env.AWS_ACCESS_KEY_ID!, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY! },
    });
    const counts = await new DynamoDbStore({ client, tableName: stack.resources.tableName }).countRecords();
    expect(counts.accounts).toBe(25);
    // no embedded stack was started in the working directory
    await expect(access(join(work, '.pulse'))).rejects.toThrow();
  });
});
