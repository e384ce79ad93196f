// `pulse forecast` prints the forecast with its measured error, attainment and annotations; the JSON
// carries each horizon's error beside it.
import { describe, expect, it } from 'vitest';
import { planAndForecast } from '../../../functions/app/forecast';
import { generateDemoData } from '../../../functions/adapters/sources/demo';
import { RowValidator } from '../../../functions/domain/contract/validate';
import { forecastJson } from '../../../functions/domain/forecast';
import { DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import { formatBacktest, formatForecast } from '../../../bin/commands/forecast';
import { createFormatter } from '../../../functions/domain/report/format';
import { validatedDemoDataset } from '../../support/demo-dataset';

describe('pulse forecast output', () => {
  const settings = { ...DEFAULT_KPI_SETTINGS, fiscalYearStartMonth: 2 };
  const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
  const raw = generateDemoData({ endDate: '2026-11-23', accounts: 120, weekStartsOn: 1, fiscalYearStartMonth: 2 });
  const plan = (entity: 'targets' | 'annotations') =>
    raw[entity].map((row) => {
      const r = validator.validate(entity, row);
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return r.record;
    });
  const data = {
    ...validatedDemoDataset({ accounts: 120 }),
    targets: plan('targets'),
    annotations: plan('annotations'),
  } as ReturnType<typeof validatedDemoDataset>;
  const r = planAndForecast(data, settings, '2026-11-22');

  it('never prints the forecast without its error', () => {
    const text = formatForecast(r);
    const money = (cents: number) =>
      new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(
        cents / 100,
      );
    expect(text).toContain(`= forecast ARR`);
    expect(text).toContain(money(r.forecast.d90.forecast));
    expect(text).toContain(`90 days MAPE ${(r.error.d90.mape! * 100).toFixed(1)}%`);
    expect(text).toContain(`over ${r.error.d30.points} weekly points`);
    expect(text).toContain('Attainment FY2027-Q4 (2026-11-01 .. 2027-01-31)');
    expect(text).toContain('New price list: 6% uplift on renewals from today  [arr]');
    const json = forecastJson(r.forecast, r.error);
    expect(json.d30.error.points).toBe(r.error.d30.points);
    expect(json.d90.forecast).toBe(r.forecast.d90.forecast / 100);
    expect(() => JSON.stringify(json)).not.toThrow();
  });

  it("prints every figure with the report's formatter, in the company's locale", () => {
    const de = createFormatter('de-DE', 'USD');
    const text = formatForecast(r, 'de-DE');
    expect(text).toContain(de.money(r.forecast.d90.forecast));
    expect(text).toContain(`90 days MAPE ${de.percent(r.error.d90.mape)}, bias ${de.signedPercent(r.error.d90.bias)}`);
    expect(text).toContain(`with weight ${r.forecast.calibration.priorWeight}`);
    const backtest = formatBacktest(r.backtest, 'de-DE', 'USD');
    expect(backtest).toContain(`Forecast backtest up to ${r.backtest.asOf} (USD)`);
    const point = r.backtest.points[0]!;
    expect(backtest).toContain(de.money(point.forecast));
    expect(backtest).toContain(de.signedPercent(point.error));
  });

  it("shows the demo's attainment against the plan for the quarter and the year", () => {
    expect(r.attainment.quarterRows).toHaveLength(6);
    expect(r.attainment.yearRows).toHaveLength(6);
    expect(r.annotations).toHaveLength(2);
  });
});
