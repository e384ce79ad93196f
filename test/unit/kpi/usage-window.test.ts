// `pulse kpis` keeps only the usage weeks a week's KPIs can look at (usageNeededFrom). Dropping the
// older rows must not change a single figure, for any week of the demo history.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderSource } from '../../../functions/adapters/sources/file-reader';
import { readDataset } from '../../../functions/app/read-contract';
import { RowValidator } from '../../../functions/domain/contract/validate';
import { addDays } from '../../../functions/domain/dates';
import { factsAt, prepareAlertIndex, alertUsageFrom } from '../../../functions/domain/alerts';
import {
  computeKpis,
  DEFAULT_KPI_SETTINGS,
  kpisAt,
  prepareKpiContext,
  toKpiJson,
  trendFromContext,
  TREND_WEEKS,
  usageNeededFrom,
} from '../../../functions/domain/kpi';
import { computeWeeklyReportData, reportUsageFrom } from '../../../functions/domain/report';
import { validatedDemoDataset } from '../../support/demo-dataset';

describe('usageNeededFrom', () => {
  const data = validatedDemoDataset();

  it('older usage rows change no KPI, week after week', () => {
    for (let k = 0; k < 60; k += 3) {
      const asOf = addDays('2026-11-22', -7 * k);
      const from = usageNeededFrom(asOf);
      const windowed = { ...data, usage: data.usage.filter((u) => u.week >= from) };
      expect(windowed.usage.length).toBeLessThan(data.usage.length);
      expect(toKpiJson(computeKpis(windowed, asOf, DEFAULT_KPI_SETTINGS))).toEqual(
        toKpiJson(computeKpis(data, asOf, DEFAULT_KPI_SETTINGS)),
      );
    }
  });

  it('a week earlier would change them (the window is not wider than needed)', () => {
    const asOf = '2026-11-22';
    const from = addDays(usageNeededFrom(asOf), 7);
    const narrower = { ...data, usage: data.usage.filter((u) => u.week >= from) };
    expect(toKpiJson(computeKpis(narrower, asOf, DEFAULT_KPI_SETTINGS))).not.toEqual(
      toKpiJson(computeKpis(data, asOf, DEFAULT_KPI_SETTINGS)),
    );
  });

  it('readDataset with usageFrom keeps the newer rows and still warns about unknown accounts in older ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-window-'));
    writeFileSync(join(dir, 'accounts.csv'), 'account_id,name\nA1,Acme\n');
    writeFileSync(
      join(dir, 'usage.csv'),
      'account_id,week,weekly_active_users,licensed_seats\nA1,2026-01-05,1,2\nGHOST,2026-01-05,1,2\nA1,2026-11-16,3,4\n',
    );
    const read = await readDataset(new FolderSource(dir), new RowValidator({ currency: 'USD', weekStartsOn: 1 }), {
      usageFrom: '2026-11-01',
    });
    expect(read.dataset.usage).toEqual([
      { accountId: 'A1', week: '2026-11-16', weeklyActiveUsers: 3, licensedSeats: 4 },
    ]);
    expect(read.summary.counts.usage).toMatchObject({ rows: 3, valid: 3 });
    expect(read.unknownAccounts.get('usage')).toEqual(['GHOST']);
  });
});

describe('the usage windows of the scheduled jobs', () => {
  const data = validatedDemoDataset();
  const since = (from: string) => ({ ...data, usage: data.usage.filter((u) => u.week >= from) });

  it('the weekly report (13-week trend) is the same from the windowed usage', () => {
    const asOf = '2026-11-22';
    const windowed = since(reportUsageFrom(asOf));
    expect(windowed.usage.length).toBeLessThan(data.usage.length / 3);
    expect(computeWeeklyReportData(windowed, DEFAULT_KPI_SETTINGS, asOf)).toEqual(
      computeWeeklyReportData(data, DEFAULT_KPI_SETTINGS, asOf),
    );
  });

  it('the alert facts (12 weeks of utilization) are the same from the windowed usage', () => {
    const today = '2026-11-23';
    const windowed = since(alertUsageFrom(today, 1));
    // The usage-based facts (utilization by week, usage trend, health); the functions in a fact read tickets and NPS.
    const plain = (d: typeof data) =>
      JSON.parse(JSON.stringify(factsAt(prepareAlertIndex(d, DEFAULT_KPI_SETTINGS), today))) as unknown;
    expect(plain(windowed)).toEqual(plain(data));
  });

  it('compute-week with history: every week and its trend are the same from the windowed usage', () => {
    const asOf = '2026-11-22';
    const history = 13;
    const windowed = since(usageNeededFrom(asOf, history + TREND_WEEKS));
    const full = prepareKpiContext(data, DEFAULT_KPI_SETTINGS);
    const part = prepareKpiContext(windowed, DEFAULT_KPI_SETTINGS);
    for (let k = 0; k <= history; k++) {
      const week = addDays(asOf, -7 * k);
      expect(toKpiJson(kpisAt(part, week), { trend: trendFromContext(part, week) })).toEqual(
        toKpiJson(kpisAt(full, week), { trend: trendFromContext(full, week) }),
      );
    }
  });
});
