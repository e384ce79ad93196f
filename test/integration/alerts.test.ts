// Alerts against DynamoDB Local: the DynamoDB alert state store (versioned puts, forward-only
// cursors) and the DynamoDB send ledger make duplicate and concurrent runs send every message once.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pulseTableDefinition } from '../../functions/adapters/dynamodb';
import { DynamoDbAlertStateStore } from '../../functions/adapters/dynamodb/alert-state';
import { DynamoDbSendLedger } from '../../functions/adapters/dynamodb/send-ledger';
import { createRiskAlertRenderer } from '../../functions/adapters/render/risk-alerts';
import { evaluateAlerts, type EvaluateAlertsOptions } from '../../functions/app/evaluate-alerts';
import type { AlertState } from '../../functions/domain/alerts';
import { AlertConflictError } from '../../functions/ports/alerts';
import type { Mailer, OutgoingMessage } from '../../functions/ports/mailer';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalStack, type LocalStack } from '../../lib/local';
import { dataset, line, renewal, settings } from '../unit/kpi/builders';
import { afterAnEarlierRun, defaultSettings, ROUTING } from '../unit/alerts/helpers';

let stack: LocalStack;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  stack = await startLocalStack({ persist: false });
  client = new DynamoDBClient({
    endpoint: stack.endpoints.dynamodb,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  client?.destroy();
  await stack?.stop();
});

async function freshTable(): Promise<string> {
  const tableName = `pulse-alerts-test-${++tables}`;
  await client.send(new CreateTableCommand(pulseTableDefinition(tableName)));
  return tableName;
}

const data = dataset({
  accounts: [
    { accountId: 'A', name: 'Acme Corp', ownerEmail: 'ann@northwind.example' },
    { accountId: 'B', name: 'Bravo Ltd', ownerEmail: 'bob@northwind.example' },
  ],
  subscriptions: [line('A', 84_000, '2024-01-01'), line('B', 12_000, '2024-01-01')],
  renewals: [
    renewal('A', '2026-11-11', 84_000, 'open', undefined, undefined, 'RA'),
    renewal('B', '2026-12-01', 12_000, 'open', undefined, undefined, 'RB'),
  ],
  nps: [{ responseId: 'N1', accountId: 'B', date: '2026-11-20', score: 1 }],
});

class RecordingMailer implements Mailer {
  readonly sent: OutgoingMessage[] = [];
  async send(m: OutgoingMessage) {
    await new Promise((r) => setTimeout(r, 5));
    this.sent.push(m);
    return { messageId: `m-${this.sent.length}`, raw: Buffer.from('') };
  }
}

const opts = (now: string): EvaluateAlertsOptions => ({
  today: '2026-11-23',
  now,
  by: 'integration',
  kpiSettings: settings(),
  // The severities this test was written with: an overdue renewal is critical, and a lone warning
  // escalates when its renewal is near (the defaults ask for two risk rules at once).
  settings: defaultSettings({ rules: { 'renewal-overdue': { severity: 'critical' } }, escalateMinRiskRules: 1 }),
  routing: ROUTING,
  digest: true,
});

describe('alerts on DynamoDB Local', () => {
  it('the state store: versioned puts refuse a stale writer; cursors only move forward', async () => {
    const store = new DynamoDbAlertStateStore({ client, tableName: await freshTable() });
    const s = {
      id: 'p1-tickets:A',
      rule: 'p1-tickets',
      accountId: 'A',
      status: 'open',
      severity: 'warning',
      episode: 1,
      lastEvaluatedOn: '2026-11-23',
      explanation: { accountName: 'A', segment: 'x', arr: 1, signals: [], play: 'p', ruleTitle: 't' },
      notices: [],
      history: [],
      historyDropped: 0,
      version: 0,
    } as AlertState;
    const v1 = await store.putAlert(s);
    expect(v1.version).toBe(1);
    await expect(store.putAlert(s)).rejects.toBeInstanceOf(AlertConflictError);
    const v2 = await store.putAlert({ ...v1, status: 'resolved' });
    await expect(store.putAlert({ ...v1, status: 'open' })).rejects.toBeInstanceOf(AlertConflictError);
    expect(await store.getAlert(s.id)).toEqual(v2);
    expect(await store.listAlerts()).toEqual([v2]);
    await store.setDigestCursor('cco', 'cco@x.example', '2026-11-23T12:00:00.000Z');
    await store.setDigestCursor('cco', 'cco@x.example', '2026-11-23T11:00:00.000Z');
    expect(await store.getDigestCursor('cco', 'cco@x.example')).toBe('2026-11-23T12:00:00.000Z');
  });

  it('duplicate and concurrent runs send every message exactly once', async () => {
    const tableName = await freshTable();
    const mailer = new RecordingMailer();
    const renderer = await createRiskAlertRenderer();
    // Each run gets its own adapters (as two Lambda containers would), sharing only the table.
    const deps = () => ({
      store: { loadDataset: async () => data },
      alerts: new DynamoDbAlertStateStore({ client, tableName }),
      ledger: new DynamoDbSendLedger({ client, tableName }),
      mailer,
      renderer,
    });
    await afterAnEarlierRun(new DynamoDbAlertStateStore({ client, tableName })); // not the first run after install
    const concurrent = await Promise.all([
      evaluateAlerts(deps(), opts('2026-11-23T12:30:00.000Z')),
      evaluateAlerts(deps(), opts('2026-11-23T12:30:00.000Z')),
      evaluateAlerts(deps(), opts('2026-11-23T12:30:00.007Z')),
    ]);
    const firstCount = mailer.sent.length;
    const keys = mailer.sent.map((m) => `${m.to.join(',')}|${m.subject}`);
    expect(new Set(keys).size).toBe(keys.length);
    // CCO: one critical batch and one digest; ann: critical + digest; bob: critical (renewal in 8 days escalates the detractor) + digest.
    expect(mailer.sent.map((m) => m.to[0]).sort()).toEqual([
      'ann@northwind.example',
      'ann@northwind.example',
      'bob@northwind.example',
      'bob@northwind.example',
      'cco@northwind.example',
      'cco@northwind.example',
    ]);
    expect(concurrent.flatMap((r) => r.notices).filter((n) => n.kind === 'opened').length).toBe(concurrent[0]!.open);
    // Run again later the same day: nothing.
    const again = await evaluateAlerts(deps(), opts('2026-11-23T16:00:00.000Z'));
    expect(again.sends.every((s) => s.status === 'already-sent')).toBe(true);
    expect(mailer.sent).toHaveLength(firstCount);
  });
});
