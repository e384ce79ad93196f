// The e-mail's new sections (issue 17) as data and as sent: the cohort heatmap's view model (the
// last 12 cohorts, the colour scale, empty cells for ages not reached), the Signed and forecast
// section (no forecast without its measured error) and the annotations on the trend's weeks; then
// the rendered e-mail's text and HTML parts carry the same numbers.
import { WORD_JOINER } from '../../../functions/adapters/render/template-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWeeklyReportRenderer } from '../../../functions/adapters/render/weekly-report';
import type { RenderedEmail } from '../../../functions/ports/report-renderer';
import { DEFAULT_KPI_SETTINGS, prepareKpiContext, kpisAt, type CohortResult } from '../../../functions/domain/kpi';
import {
  buildWeeklyReportView,
  cohortHeatmap,
  computeWeeklyReportData,
  createFormatter,
  heatmapColor,
  HEATMAP_SCALE,
  outlookView,
  reportOutlook,
  trendAnnotations,
  weeklyReportInput,
  type WeeklyReportView,
} from '../../../functions/domain/report';
import { demoDataset } from './demo-dataset';

const f = createFormatter('en-US', 'USD');
const cohort = (month: string, customers: number, revenue: number[]): CohortResult => ({
  month,
  customers,
  baseArr: customers * 1000_00,
  active: revenue.map(() => customers),
  arr: revenue.map((r) => Math.round(r * customers * 1000_00)),
  logo: revenue.map(() => 1),
  revenue,
});

describe('cohort heatmap', () => {
  it('keeps the last 12 cohorts, oldest first, with ages 1..12 and empty cells for ages not reached', () => {
    const cohorts = Array.from({ length: 14 }, (_, i) =>
      cohort(`2025-${String((i % 12) + 1).padStart(2, '0')}`, 3, [1, 0.95, 1.12]),
    );
    const h = cohortHeatmap(cohorts, f);
    expect(h.rows).toHaveLength(12);
    expect(h.rows[0]!.month).toBe(cohorts[2]!.month);
    expect(h.ages).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const cells = h.rows[0]!.cells;
    expect(cells.slice(0, 2).map((c) => [c.text, c.background])).toEqual([
      ['95', heatmapColor(0.95)],
      ['112', heatmapColor(1.12)],
    ]);
    expect(cells.slice(2).every((c) => c.value === null && c.text === '')).toBe(true);
  });

  it('draws a month without new customers as an empty row and says when there is no cohort at all', () => {
    const h = cohortHeatmap([cohort('2026-01', 0, []), cohort('2026-02', 2, [1, 0.5])], f);
    expect(h.rows[0]!.cells.every((c) => c.value === null)).toBe(true);
    expect(h.rows[0]!.label).toBe('Jan 2026');
    expect(h.empty).toBe(false);
    expect(cohortHeatmap([cohort('2026-01', 0, [])], f).empty).toBe(true);
  });

  it('colours by fixed steps: below 70% red to 110% and up dark green, each step from its lower bound', () => {
    const bg = (label: string) => HEATMAP_SCALE.find((s) => s.label === label)!.background;
    expect(heatmapColor(0.2)).toBe(bg('below 70%'));
    expect(heatmapColor(0.7)).toBe(bg('70-80%'));
    expect(heatmapColor(0.8999)).toBe(bg('80-90%'));
    expect(heatmapColor(0.9)).toBe(bg('90-100%'));
    expect(heatmapColor(1)).toBe(bg('100-110%'));
    expect(heatmapColor(1.1)).toBe(bg('110% and up'));
    expect(heatmapColor(3)).toBe(bg('110% and up'));
    expect(new Set(HEATMAP_SCALE.map((s) => s.background)).size).toBe(HEATMAP_SCALE.length);
  });
});

describe('signed and forecast, annotations', () => {
  const contracted = { d30: 1, d90: 2, d365: 3, dates: { d30: '2026-12-22', d90: '2027-02-20', d365: '2027-11-22' } };
  const forecast = {
    horizonDays: 90,
    date: '2027-02-20',
    arr: 100,
    contracted: 80,
    expectedRenewals: 15,
    weightedPipeline: 5,
  };

  it('shows a forecast only with its measured error', () => {
    expect(outlookView(contracted).forecast).toBeNull();
    expect(outlookView(contracted).forecastNote).toMatch(/No forecast/);
    expect(outlookView(contracted, { forecast: { ...forecast, error: null } }).forecast).toBeNull();
    expect(
      outlookView(contracted, { forecast: { ...forecast, error: { mape: null, bias: null, samples: 0 } } }).forecast,
    ).toBeNull();
    const shown = outlookView(contracted, {
      forecast: { ...forecast, error: { mape: 0.03, bias: -0.01, samples: 40 } },
    });
    expect(shown.forecast?.arr).toBe(100);
    expect(shown.forecastNote).toBe('');
  });

  it('numbers the notes within the trend weeks by date and puts each on its week', () => {
    const weekEnds = ['2026-11-08', '2026-11-15', '2026-11-22'];
    const rows = trendAnnotations(
      [
        { date: '2026-11-20', text: 'Acme\nchurned' },
        { date: '2026-11-02', text: 'Price increase', metric: 'arr' },
        { date: '2026-11-01', text: 'Before the trend' },
        { date: '2026-11-23', text: 'After the week' },
        { date: '2026-11-10', text: '   ' },
      ],
      weekEnds,
    );
    expect(rows).toEqual([
      { number: 1, date: '2026-11-02', text: 'Price increase', weekIndex: 0, metric: 'arr' },
      { number: 2, date: '2026-11-20', text: 'Acme churned', weekIndex: 2, metric: null },
    ]);
  });

  it("prints the forecast's 90-day figures from the forecast domain, which add up", () => {
    const data = demoDataset({ accounts: 120 });
    const ctx = prepareKpiContext(data, { ...DEFAULT_KPI_SETTINGS, fiscalYearStartMonth: 2 });
    const o = reportOutlook(ctx, '2026-11-22', [{ metric: 'arr', period: 'FY2027-Q4', value: 20_000_000_00 }]);
    const fc = o.forecast!;
    expect(fc.date).toBe('2027-02-20');
    expect(fc.contracted + fc.expectedRenewals + fc.weightedPipeline).toBe(fc.arr);
    expect(fc.error!.samples).toBeGreaterThan(0);
    expect(o.attainment).toEqual([
      expect.objectContaining({
        label: 'Closing ARR',
        period: 'FY2027-Q4',
        target: 20_000_000_00,
        actual: kpisAt(ctx, '2026-11-22').arrBridge.close,
      }),
    ]);
  });
});

describe('the e-mail with the new sections', () => {
  let view: WeeklyReportView;
  let email: RenderedEmail;
  beforeAll(async () => {
    const data = demoDataset({ accounts: 300 });
    const settings = { ...DEFAULT_KPI_SETTINGS, fiscalYearStartMonth: 2 };
    const computed = computeWeeklyReportData(data, settings, '2026-11-22');
    view = buildWeeklyReportView(
      weeklyReportInput(computed, {
        companyName: 'Northwind Cloud',
        locale: 'en-US',
        subjectTemplate: '{{company}} weekly',
        archive: { label: 'archive', url: null },
        outlook: reportOutlook(prepareKpiContext(data, settings), '2026-11-22', [
          { metric: 'arr', period: 'FY2027-Q4', value: 17_000_000_00 },
        ]),
        annotations: [{ date: '2026-11-18', text: 'Acme churned after the merger', metric: 'arr' }],
      }),
    );
    email = await (await createWeeklyReportRenderer()).renderWeeklyReport(view);
  }, 120_000);

  it('the text part carries contracted ARR, the forecast with its error, attainment, the notes and the cohorts', () => {
    const fc = view.outlook.forecast!;
    // Grouped numbers carry an invisible word joiner in e-mails (keepNumbersTogether): read them without it.
    const t = email.text.replaceAll(WORD_JOINER, '');
    expect(t).toContain(`Contracted ARR: ${f.money(view.outlook.contracted.d90)} signed for Feb 20, 2027`);
    expect(t).toContain(
      `ARR forecast, 90 days: ${f.money(fc.arr)} for Feb 20, 2027, backtest error +/-${f.percent(fc.error!.mape)} (bias ${f.signedPercent(fc.error!.bias, 1)}, ${fc.error!.samples} dates)`,
    );
    expect(t).toMatch(/Closing ARR\s+FY2027-Q4\s+actual \$16\.2M, target \$17M, forecast \$[\d.]+M: 95\.\d% attained/);
    expect(t).toContain('1. Nov 18: Acme churned after the merger');
    const row = view.cohorts.rows.at(-2)!;
    expect(t).toMatch(
      new RegExp(
        `${row.label}\\s+${row.customers}\\s+${row.cells
          .filter((c) => c.text)
          .map((c) => c.text)
          .join('\\s+')}`,
      ),
    );
    // Below the headline, above the bridge.
    expect(t.indexOf('SIGNED AND FORECAST')).toBeGreaterThan(t.indexOf('HEADLINES'));
    expect(t.indexOf('SIGNED AND FORECAST')).toBeLessThan(t.indexOf('ARR BRIDGE THIS WEEK'));
  });

  it('the HTML part has the heatmap as a table of coloured cells (no image) and the same figures', () => {
    const h = email.html;
    expect(h).toContain('Signed and forecast');
    expect(h).toContain(`backtest error &plusmn;${f.percent(view.outlook.forecast!.error!.mape)}`);
    expect(h).toContain('Cohorts: revenue retained');
    const filled = view.cohorts.rows.flatMap((r) => r.cells).filter((c) => c.text);
    for (const c of filled.slice(0, 5)) expect(h).toContain(`bgcolor="${c.background}"`);
    expect(h.match(/<td bgcolor="#[0-9a-f]{6}" align="center"/g)).toHaveLength(filled.length);
    expect(h).toContain('Acme churned after the merger');
    // Still three inline charts: the heatmap is markup, not an image.
    expect(email.images).toHaveLength(3);
  });
});
