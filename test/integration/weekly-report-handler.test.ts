// The weekly-report Lambda handler as deployed code runs it, against the embedded stack: the
// scheduled invocation sends the report and archives the week; a duplicated event sends nothing
// and leaves the pack as it is.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRunLedger } from '../../functions/adapters/dynamodb/run-ledger';
import { DynamoDbStore } from '../../functions/adapters/dynamodb';
import { generateDemoData } from '../../functions/adapters/sources/demo';
import { ENTITY_NAMES } from '../../functions/domain/contract/entities';
import { RowValidator } from '../../functions/domain/contract/validate';
import { isoWeekLabel, reportWeek, todayIn } from '../../functions/domain/dates';
import { startLocalStack, type LocalStack } from '../../lib/local';

const ROOT = resolve(import.meta.dirname, '../..');
const TZ = 'America/New_York'; // pulse.config.json

describe('weekly-report handler', () => {
  let stack: LocalStack;
  let undoEnv: () => void;
  const now = new Date();
  const week = reportWeek(todayIn(TZ, now), 1);

  beforeAll(async () => {
    stack = await startLocalStack({ persist: false });
    undoEnv = stack.applyEnv();
    process.env.PULSE_CONFIG_PATH = join(ROOT, 'pulse.config.json');
    const dynamodb = new DynamoDBClient({});
    const store = new DynamoDbStore({ client: dynamodb, tableName: stack.resources.tableName });
    const raw = generateDemoData({ endDate: todayIn(TZ, now), accounts: 30, seed: 11 });
    const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
    for (const entity of ENTITY_NAMES) {
      await store.putRecords(
        entity,
        raw[entity].map((row) => {
          const r = validator.validate(entity, row);
          if (!r.ok) throw new Error(JSON.stringify(r.errors));
          return r.record;
        }) as never,
      );
    }
    // the freshness check wants a successful ingest of the configured source since the week ended
    const ledger = new DynamoDbRunLedger({ client: dynamodb, tableName: stack.resources.tableName });
    await ledger.start({ runId: 'ingest-1', kind: 'ingest', subject: 'demo', startedAt: now.toISOString() });
    await ledger.finish('ingest-1', { status: 'succeeded', finishedAt: now.toISOString(), counts: {}, errors: [] });
  });
  afterAll(async () => {
    undoEnv?.();
    delete process.env.PULSE_CONFIG_PATH;
    await stack?.stop();
  });

  it('sends the report once and archives the week; a duplicated event changes nothing', async () => {
    const { handler } = await import('../../functions/handlers/weekly-report');
    const event = { scheduledTime: now.toISOString() };
    const first = (await handler(event)) as Record<string, unknown>;
    expect(first).toMatchObject({
      status: 'sent',
      week: week.label,
      sent: 1,
      archived: { status: 'written', version: 1 },
    });
    const second = (await handler(event)) as Record<string, unknown>;
    expect(second).toMatchObject({ status: 'sent', sent: 0, alreadySent: 1 });
    expect((second.archived as { status: string }).status).not.toBe('written');

    const store = (await (await fetch(`${stack.endpoints.ses}/store`)).json()) as { emails: { subject: string }[] };
    expect(store.emails.filter((e) => e.subject.includes('weekly'))).toHaveLength(1);
    const s3 = new S3Client({ forcePathStyle: true });
    const listed = await s3.send(
      new ListObjectsV2Command({
        Bucket: stack.resources.archiveBucket,
        Prefix: `archive/weekly/${week.label.slice(0, 4)}/${isoWeekLabel(week.asOf)}/`,
      }),
    );
    const names = (listed.Contents ?? []).map((o) => o.Key!.split('/').pop());
    expect(names).toEqual(
      expect.arrayContaining([
        'report.html',
        'kpis.json',
        'arr-bridge.csv',
        'renewals.csv',
        'accounts.csv',
        'expansion.csv',
        'manifest.json',
      ]),
    );
  });
});
