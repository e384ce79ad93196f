// The backtest on a small hand-built history whose answers are known (worked out in the comments).
import { describe, expect, it } from 'vitest';
import { median, runBacktest } from '../../../functions/domain/alerts';
import type { Renewal, Ticket } from '../../../functions/domain/contract/entities';
import { account, dataset, line, renewal, settings } from '../kpi/builders';
import { defaultSettings } from './helpers';

const p1 = (accountId: string, openedDate: string, id: string): Ticket => ({
  ticketId: id,
  accountId,
  openedDate,
  priority: 'p1',
  closedDate: openedDate,
});

// Five accounts, each a customer since 2024 (one line of 10,000).
//  X: two P1s (May 1, May 5) -> p1-tickets opens on the week ending Sun 2025-05-11; renewal RX churns 2025-06-30: lead 50 days.
//  Y: two P1s (Jul 1, Jul 2) -> opens 2025-07-06; RY renews in full on 2025-08-20: a false positive.
//  Z: no signal; RZ churns 2025-09-30: a churn no rule saw.
//  W: two P1s (Oct 1, Oct 2) -> opens 2025-10-05; RW renews for less (contraction) on 2025-10-25: lead 20 days.
//  V: RV due Mon 2025-03-31, still open on Sun 2025-04-06 -> renewal-overdue opens then; churns 2025-04-20: lead 14 days.
const history = () =>
  dataset({
    accounts: ['X', 'Y', 'Z', 'W', 'V'].map((id) => account(id)),
    subscriptions: ['X', 'Y', 'Z', 'W', 'V'].map((id) => line(id, 10_000, '2024-01-01')),
    renewals: [
      renewal('X', '2025-06-30', 10_000, 'churned', '2025-06-30', undefined, 'RX'),
      renewal('Y', '2025-08-31', 10_000, 'renewed', '2025-08-20', 10_000, 'RY'),
      renewal('Z', '2025-09-30', 10_000, 'churned', '2025-09-30', undefined, 'RZ'),
      renewal('W', '2025-10-31', 10_000, 'renewed', '2025-10-25', 8_000, 'RW'),
      renewal('V', '2025-03-31', 10_000, 'churned', '2025-04-20', undefined, 'RV'),
    ] satisfies Renewal[],
    tickets: [
      p1('X', '2025-05-01', 'T1'),
      p1('X', '2025-05-05', 'T2'),
      p1('Y', '2025-07-01', 'T3'),
      p1('Y', '2025-07-02', 'T4'),
      p1('W', '2025-10-01', 'T5'),
      p1('W', '2025-10-02', 'T6'),
    ],
  });

// Only the two rules under test (the health rules would also fire on these P1s).
const alertSettings = defaultSettings({
  rules: Object.fromEntries(
    ['red-health-renewal', 'yellow-health-renewal', 'usage-decline', 'detractor-nps', 'low-utilization'].map((id) => [
      id,
      { enabled: false },
    ]),
  ),
});

describe('alerts backtest', () => {
  const result = runBacktest(history(), settings(), alertSettings, { from: '2025-01-01', to: '2025-12-31' });
  const rule = (id: string) => result.rules.find((r) => r.rule === id)!;

  it('replays every week ending in the range: 2025-01-05 .. 2025-12-28, 52 weeks', () => {
    expect([result.firstWeekEnd, result.lastWeekEnd, result.weeks]).toEqual(['2025-01-05', '2025-12-28', 52]);
    expect(result.churnedRenewals).toBe(3); // RX, RZ, RV
  });

  it('opens each alert on the right week and joins it to the renewal outcome', () => {
    expect(
      result.alerts.map((a) => [a.rule, a.accountId, a.openedOn, a.renewalId, a.outcome, a.leadDays ?? null]),
    ).toEqual([
      ['renewal-overdue', 'V', '2025-04-06', 'RV', 'churned', 14],
      ['p1-tickets', 'X', '2025-05-11', 'RX', 'churned', 50],
      ['p1-tickets', 'Y', '2025-07-06', 'RY', 'renewed', null],
      ['p1-tickets', 'W', '2025-10-05', 'RW', 'contracted', 20],
    ]);
  });

  it('p1-tickets: precision 2/3, recall 1/3, median lead 35 days, 3 alerts in 52 weeks', () => {
    expect(rule('p1-tickets')).toMatchObject({
      alerts: 3,
      truePositives: 2,
      falsePositives: 1,
      caught: 1,
      churnedRenewals: 3,
      medianLeadDays: 35,
    });
    expect(rule('p1-tickets').precision).toBeCloseTo(2 / 3, 12);
    expect(rule('p1-tickets').recall).toBeCloseTo(1 / 3, 12);
    expect(rule('p1-tickets').alertsPerWeek).toBeCloseTo(3 / 52, 12);
  });

  it('renewal-overdue: precision 1, recall 1/3, lead 14 days', () => {
    expect(rule('renewal-overdue')).toMatchObject({ alerts: 1, precision: 1, caught: 1, medianLeadDays: 14 });
  });

  it('all rules together: precision 3/4, recall 2/3 (Z churned unseen), median lead 20 days', () => {
    expect(result.all).toMatchObject({ alerts: 4, truePositives: 3, falsePositives: 1, caught: 2, medianLeadDays: 20 });
    expect(result.all.precision).toBeCloseTo(0.75, 12);
    expect(result.all.recall).toBeCloseTo(2 / 3, 12);
  });

  it('disabled rules raise nothing and say so', () => {
    expect(rule('red-health-renewal')).toMatchObject({
      enabled: false,
      alerts: 0,
      precision: null,
      medianLeadDays: null,
    });
  });

  it('per severity: every alert a warning with the defaults (one risk rule each; overdue is a process rule)', () => {
    const [critical, warning] = result.severities;
    expect(critical).toMatchObject({ rule: 'critical', alerts: 0, precision: null });
    expect(warning).toMatchObject({ rule: 'warning', alerts: 4, truePositives: 3, falsePositives: 1 });
  });

  it('per severity: a critical alert counts from the day it became critical (escalation with one risk rule)', () => {
    // X opens 2025-05-11 (renewal in 50 days) and escalates on 2025-06-01 (29 days): lead 29.
    // W opens 2025-10-05 with its renewal 26 days away: critical at once, lead 20. Y resolves
    // before its renewal comes within 30 days; V is overdue, a process alert: both stay warnings.
    const r = runBacktest(
      history(),
      settings(),
      { ...alertSettings, escalateMinRiskRules: 1 },
      { from: '2025-01-01', to: '2025-12-31' },
    );
    const [critical, warning] = r.severities;
    expect(r.alerts.map((a) => [a.accountId, a.criticalOn ?? null])).toEqual([
      ['V', null],
      ['X', '2025-06-01'],
      ['Y', null],
      ['W', '2025-10-05'],
    ]);
    expect(critical).toMatchObject({
      alerts: 2,
      truePositives: 2,
      falsePositives: 0,
      precision: 1,
      medianLeadDays: 24.5,
    });
    expect(warning).toMatchObject({ alerts: 2, truePositives: 1, falsePositives: 1, precision: 0.5 });
  });

  it('median', () => {
    expect([median([]), median([3]), median([5, 1]), median([9, 1, 5])]).toEqual([null, 3, 3, 5]);
  });
});
