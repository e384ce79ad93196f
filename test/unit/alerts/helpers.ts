// Builders for alert tests: hand-built facts, settings from the default config, observations.
import { parseConfig } from '../../../functions/config';
import {
  alertSettingsFrom,
  type AccountFacts,
  type AlertSettings,
  type Explanation,
  type Observation,
  type RenewalFact,
  type Severity,
} from '../../../functions/domain/alerts';
import type { EvaluateAlertsOptions } from '../../../functions/app/evaluate-alerts';
import type { AlertStateStore } from '../../../functions/ports/alerts';
import type { Mailer, OutgoingMessage } from '../../../functions/ports/mailer';
import type { HealthComponent } from '../../../functions/domain/kpi/types';
import { settings as kpiSettings } from '../kpi/builders';

export const baseConfig = {
  company: { name: 'Northwind', timezone: 'America/New_York' },
  recipients: { ceo: ['ceo@northwind.example'], cco: ['cco@northwind.example'] },
  sender: { from: 'pulse@northwind.example' },
};

export function defaultSettings(alerts: Record<string, unknown> = {}): AlertSettings {
  return alertSettingsFrom(parseConfig({ ...baseConfig, alerts }));
}

export const rules = defaultSettings().rules;

/** Where the test company's alert emails go. */
export const ROUTING: EvaluateAlertsOptions['routing'] = {
  companyName: 'Northwind',
  locale: 'en-US',
  currency: 'USD',
  from: 'pulse@northwind.example',
  cco: ['cco@northwind.example'],
  owners: true,
};

/**
 * An alert run on 2026-11-23 with the digest, the health-band rules off (so the rules under test
 * decide), unless `settings` says otherwise.
 */
export function alertRunOptions(over: Partial<EvaluateAlertsOptions> = {}): EvaluateAlertsOptions {
  return {
    today: '2026-11-23',
    now: '2026-11-23T12:30:00.000Z',
    by: 'test',
    kpiSettings: kpiSettings(),
    settings: defaultSettings({
      rules: { 'red-health-renewal': { enabled: false }, 'yellow-health-renewal': { enabled: false } },
    }),
    routing: ROUTING,
    digest: true,
    ...over,
  };
}

/** A run at 12:30 UTC on `today` with the health rules off and an overdue renewal critical. */
export function overdueRunOptions(today: string): EvaluateAlertsOptions {
  const settings = defaultSettings({
    rules: {
      'red-health-renewal': { enabled: false },
      'yellow-health-renewal': { enabled: false },
      'renewal-overdue': { severity: 'critical' },
    },
  });
  return alertRunOptions({ today, now: `${today}T12:30:00.000Z`, settings });
}

export function renewalFact(daysToDue: number, id = 'R-1', arrUp = 8_400_000): RenewalFact {
  const due = new Date(Date.UTC(2026, 10, 23) + daysToDue * 86_400_000).toISOString().slice(0, 10);
  return { renewalId: id, dueDate: due, arrUp, daysToDue };
}

export interface FactsInput {
  score?: number | null;
  components?: HealthComponent[];
  usageTrend?: number | null;
  utilization?: (number | null)[];
  p1?: (days: number) => number;
  nps?: { responseId: string; date: string; score: number }[];
  renewals?: RenewalFact[];
  owner?: string;
  accountId?: string;
  arr?: number;
}

export function facts(i: FactsInput = {}): AccountFacts {
  const score = i.score === undefined ? 80 : i.score;
  const f: AccountFacts = {
    accountId: i.accountId ?? 'A-1',
    name: `${i.accountId ?? 'A-1'} Inc.`,
    segment: 'Enterprise',
    date: '2026-11-23',
    weekStart: '2026-11-16',
    arr: i.arr ?? 8_400_000,
    health: {
      score,
      band: score === null ? null : score >= 70 ? 'green' : score >= 40 ? 'yellow' : 'red',
      components: i.components ?? [],
    },
    usageTrend: i.usageTrend === undefined ? 0 : i.usageTrend,
    utilizationByWeek: i.utilization ?? [0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7],
    p1Opened: i.p1 ?? (() => 0),
    npsResponses: (days) =>
      (i.nps ?? []).filter(
        (r) => r.date > new Date(Date.UTC(2026, 10, 23) - days * 86_400_000).toISOString().slice(0, 10),
      ),
    openRenewals: i.renewals ?? [renewalFact(21)],
  };
  if (i.owner) f.ownerEmail = i.owner;
  return f;
}

export function explanation(over: Partial<Explanation> = {}): Explanation {
  return {
    accountName: 'Acme',
    segment: 'Enterprise',
    arr: 8_400_000,
    signals: [],
    play: 'Call',
    ruleTitle: 'Red health',
    ...over,
  };
}

export function obs(
  status: Observation['status'],
  severity: Severity = 'warning',
  over: Partial<Explanation> = {},
): Observation {
  return { status, severity, explanation: explanation(over) };
}

/**
 * An alert resolved long ago, for an account the tests never mention: the store is no longer a
 * fresh install, so a run sends its critical alerts at once instead of the first run's summary.
 */
export async function afterAnEarlierRun(store: Pick<AlertStateStore, 'putAlert'>): Promise<void> {
  await store.putAlert({
    id: 'p1-tickets:OLD',
    rule: 'p1-tickets',
    accountId: 'OLD',
    status: 'resolved',
    severity: 'warning',
    episode: 1,
    openedOn: '2026-01-05',
    resolvedOn: '2026-01-12',
    lastEvaluatedOn: '2026-01-12',
    explanation: {
      accountName: 'Old account',
      segment: 'SMB',
      arr: 0,
      signals: [],
      play: 'none',
      ruleTitle: 'P1 tickets',
    },
    notices: [],
    history: [],
    historyDropped: 0,
    version: 0,
  });
}

/** A mailer that keeps what it sent; each send waits a millisecond so concurrent runs interleave. */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingMessage[] = [];
  async send(m: OutgoingMessage) {
    await new Promise((r) => setTimeout(r, 1));
    this.sent.push(m);
    return { messageId: `m-${this.sent.length}`, raw: Buffer.from('') };
  }
}
