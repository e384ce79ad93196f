// Severity calibrated on evidence: critical means red health with a renewal inside 90 days, or a
// warning corroborated by a second risk rule on an account whose renewal is near. On the demo's
// first run that is a handful of accounts a CCO would agree with.
import { describe, expect, it } from 'vitest';
import {
  advanceAlerts,
  evaluateRules,
  factsAt,
  prepareAlertIndex,
  type AlertSettings,
} from '../../../functions/domain/alerts';
import { DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import { validatedDemoDataset } from '../../support/demo-dataset';
import { defaultSettings, facts, renewalFact } from './helpers';

const DEFAULTS = defaultSettings();
const severities = (f: ReturnType<typeof facts>, settings: AlertSettings = DEFAULTS) =>
  Object.fromEntries(
    [...evaluateRules([f], settings).values()]
      .filter((e) => e.enter.status === 'breach')
      .map((e) => [e.key.rule, e.enter.severity]),
  );

describe('severity', () => {
  it('a lone yellow health score just under the line, renewal in 26 days, stays a warning', () => {
    // The flood's example: health 69.6, NPS 8, utilization 71%, no P1 tickets.
    const f = facts({
      score: 69.6,
      utilization: [0.71, 0.71, 0.71, 0.71],
      nps: [{ responseId: 'N', date: '2026-11-10', score: 8 }],
      renewals: [renewalFact(26)],
    });
    expect(severities(f)).toEqual({ 'yellow-health-renewal': 'warning' });
  });

  it('yellow health with low utilization and a renewal in 9 days: two risk rules, both critical', () => {
    const f = facts({ score: 62.5, utilization: [0.3, 0.32, 0.35, 0.31], renewals: [renewalFact(9)] });
    expect(severities(f)).toEqual({ 'yellow-health-renewal': 'critical', 'low-utilization': 'critical' });
  });

  it('the same two signals with the renewal 60 days away stay warnings', () => {
    const f = facts({ score: 62.5, utilization: [0.3, 0.32, 0.35, 0.31], renewals: [renewalFact(60)] });
    expect(severities(f)).toEqual({ 'yellow-health-renewal': 'warning', 'low-utilization': 'warning' });
  });

  it('red health with a renewal inside 90 days is critical on its own', () => {
    expect(severities(facts({ score: 18.7, renewals: [renewalFact(75)] }))).toEqual({
      'red-health-renewal': 'critical',
    });
  });

  it('an overdue renewal is a process alert: a warning, and it does not corroborate another rule', () => {
    expect(severities(facts({ score: 77.5, renewals: [renewalFact(-33)] }))).toEqual({ 'renewal-overdue': 'warning' });
    const f = facts({ score: 65, renewals: [renewalFact(-5)] });
    expect(severities(f)).toEqual({ 'yellow-health-renewal': 'warning', 'renewal-overdue': 'warning' });
  });

  it('escalateMinRiskRules 1 restores escalation on any warning near its renewal', () => {
    const f = facts({ score: 69.6, renewals: [renewalFact(26)] });
    expect(severities(f, defaultSettings({ escalateMinRiskRules: 1 }))).toEqual({
      'yellow-health-renewal': 'critical',
    });
  });
});

describe("the demo's first run", () => {
  // 300 accounts, seed 42, as `npm start` generates them (here for 2026-11-23).
  const date = '2026-11-23';
  const index = prepareAlertIndex(
    validatedDemoDataset({ endDate: date, accounts: 300, seed: 42 }),
    DEFAULT_KPI_SETTINGS,
  );
  const evaluations = evaluateRules(factsAt(index, date), DEFAULTS);
  const { changed, notices } = advanceAlerts(new Map(), evaluations, {
    on: date,
    at: `${date}T07:30:00.000Z`,
    by: 'test',
    settings: DEFAULTS,
  });
  const opened = notices.filter((n) => n.kind === 'opened');
  const critical = opened.filter((n) => n.severity === 'critical');
  const rulesOf = (accountId: string) =>
    new Set([...changed.values()].filter((s) => s.accountId === accountId).map((s) => s.rule));

  it('raises critical alerts on a handful of accounts only, each with strong evidence', () => {
    const accounts = new Set(critical.map((n) => changed.get(n.alertId)!.accountId));
    expect(opened.length).toBeGreaterThan(30);
    expect(accounts.size).toBeGreaterThan(0);
    expect(accounts.size).toBeLessThanOrEqual(6);
    for (const accountId of accounts) {
      const rules = rulesOf(accountId);
      const red = rules.has('red-health-renewal');
      const risk = [...rules].filter((r) => r !== 'renewal-overdue').length;
      expect(red || risk >= 2, `${accountId}: ${[...rules].join(', ')}`).toBe(true);
    }
  });

  it('keeps every account whose only alert is a yellow health score (or an overdue renewal) at warning', () => {
    const weakOnly = [...changed.values()].filter((s) => {
      const rules = rulesOf(s.accountId);
      return rules.size === 1 && (rules.has('yellow-health-renewal') || rules.has('renewal-overdue'));
    });
    expect(weakOnly.length).toBeGreaterThan(5);
    for (const s of weakOnly) expect(s.severity, s.id).toBe('warning');
  });
});
