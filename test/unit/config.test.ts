import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseConfigText } from '../../functions/config';

const minimal = {
  company: { name: 'Acme', timezone: 'Europe/Berlin' },
  recipients: { ceo: ['ceo@acme.example'], cco: ['cco@acme.example'] },
  sender: { from: 'pulse@acme.example' },
};

function problemsOf(doc: unknown): string[] {
  try {
    parseConfig(doc, 'pulse.config.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('config', () => {
  it('accepts the committed example config', () => {
    const text = readFileSync(join(import.meta.dirname, '../../pulse.config.json'), 'utf8');
    const config = parseConfigText(text, 'pulse.config.json');
    expect(config.company.name).toBe('Northwind Cloud');
    expect(config.recipients.ceo).toEqual(['ceo@northwind.example']);
  });

  it('fills every default from a minimal config', () => {
    const config = parseConfig(minimal);
    expect(config.company).toMatchObject({ weekStartsOn: 'monday', fiscalYearStartMonth: 1, currency: 'USD' });
    expect(config.metrics).toEqual({ grossMargin: 0.8, ltvMaxYears: 5 });
    expect(config.health.weights).toEqual({ utilization: 0.3, usageTrend: 0.3, support: 0.2, nps: 0.2 });
    expect(config.schedules.weeklyReport).toEqual({ day: 'monday', time: '08:00' });
    // Late paperwork is a process alert, not evidence of risk: a warning unless corroborated.
    expect(config.alerts.rules['renewal-overdue']).toMatchObject({ enabled: true, severity: 'warning' });
    expect(config.alerts.rules['red-health-renewal']).toMatchObject({ enabled: true, severity: 'critical' });
    expect(config.alerts).toMatchObject({ escalateWithinDays: 30, escalateMinRiskRules: 2 });
    expect(Object.keys(config.alerts.rules)).toHaveLength(7);
  });

  it('merges alert rule overrides with the defaults', () => {
    const config = parseConfig({
      ...minimal,
      alerts: { rules: { 'p1-tickets': { params: { count: 3 }, enabled: false } } },
    });
    expect(config.alerts.rules['p1-tickets']).toMatchObject({
      enabled: false,
      severity: 'warning',
      params: { count: 3, withinDays: 30 },
    });
  });

  it('lists every problem at once, each with its path', () => {
    const problems = problemsOf({
      company: {
        name: '',
        timezone: 'Mars/Olympus',
        weekStartsOn: 'someday',
        fiscalYearStartMonth: 13,
        currency: 'usd',
        typo: 1,
      },
      health: { weights: { utilization: 0.5 } },
      recipients: { ceo: ['not-an-address'] },
      schedules: { weeklyReport: { time: '25:00' } },
      alerts: { rules: { 'no-such-rule': {} } },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'company.name: must not be empty',
        'company.timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Berlin)',
        expect.stringMatching(/^company\.weekStartsOn: must be a weekday name/),
        expect.stringMatching(/^company\.fiscalYearStartMonth: /),
        'company.currency: must be an ISO 4217 code such as USD',
        'company: unknown key "typo"',
        'health.weights: the four weights must add up to 1',
        'recipients.ceo.0: "not-an-address" is not an email address',
        'recipients.cco: is required',
        'sender: is required',
        'schedules.weeklyReport.time: must be a local time HH:MM (24-hour)',
        expect.stringMatching(/^alerts\.rules: /),
      ]),
    );
    expect(problems).toHaveLength(12);
  });

  it('names the file in the message and reports invalid JSON as a config error', () => {
    expect(() => parseConfigText('{ "company": ', 'my.json')).toThrow(
      /my\.json is invalid \(1 problem\):\n {2}- \(root\): not valid JSON/,
    );
  });
});
