// The plan inputs: targets validated with rejects (file, line, field, reason), attainment on the
// demo, and `pulse annotate`'s round trip through a folder's annotations.csv.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { annotate, AnnotationError } from '../../../functions/app/annotate';
import { readDataset } from '../../../functions/app/read-contract';
import { AnnotationFile } from '../../../functions/adapters/files/annotation-file';
import { generateDemoData } from '../../../functions/adapters/sources/demo';
import { FolderSource } from '../../../functions/adapters/sources/file-reader';
import { RowValidator } from '../../../functions/domain/contract/validate';
import { prepareForecast } from '../../../functions/domain/forecast';
import { DEFAULT_KPI_SETTINGS, prepareKpiContext } from '../../../functions/domain/kpi';
import { annotationsBetween, attainmentAt, fiscalPeriod } from '../../../functions/domain/plan';
import { validatedDemoDataset } from '../../support/demo-dataset';

const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'pulse-plan-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('targets input', () => {
  it('reads each metric in its unit and rejects bad rows by file, line, field and reason', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'targets.csv'),
      [
        'Metric,Period,Value',
        'arr,FY2027-Q3,15000000.50',
        'NRR,fy2027,105%',
        'grr,FY2027,0.92',
        'new_logos,FY2027-Q4,21',
        'net_new_arr,FY2027-Q4,-25000',
        'arr,FY2027-Q5,100',
        'mrr,FY2027,100',
        'logos,FY2027,12.5',
        'nrr,FY2027-Q1,fast',
        'arr,,100',
      ].join('\n'),
    );
    const { dataset, summary } = await readDataset(new FolderSource(dir), validator);
    expect(dataset.targets).toEqual([
      { metric: 'arr', period: 'FY2027-Q3', value: 15_000_000_50 },
      { metric: 'nrr', period: 'FY2027', value: 1.05 },
      { metric: 'grr', period: 'FY2027', value: 0.92 },
      { metric: 'new_logos', period: 'FY2027-Q4', value: 21 },
      { metric: 'net_new_arr', period: 'FY2027-Q4', value: -25_000_00 },
    ]);
    expect(summary.rejects.map((r) => [r.file, r.line, r.field, r.reason])).toEqual([
      ['targets.csv', 7, 'period', '"FY2027-Q5" is not a fiscal period (FY2027 or FY2027-Q3)'],
      ['targets.csv', 8, 'metric', '"mrr" is not one of: arr, net_new_arr, nrr, grr, logos, new_logos'],
      ['targets.csv', 9, 'value', '"12.5" is not a whole number >= 0 for logos'],
      [
        'targets.csv',
        10,
        'value',
        '"fast" is not a ratio for nrr (a fraction such as 1.05, or a percentage such as 105%, at most 10)',
      ],
      ['targets.csv', 11, 'period', 'is required'],
    ]);
  });

  it('names fiscal periods as the archive does (fiscal year named by the year it ends in)', () => {
    expect(fiscalPeriod('FY2027', 2)).toMatchObject({ kind: 'year', start: '2026-02-01', end: '2027-01-31' });
    expect(fiscalPeriod('FY2027-Q3', 2)).toMatchObject({ kind: 'quarter', start: '2026-08-01', end: '2026-10-31' });
    expect(fiscalPeriod('FY2027-Q1', 1)).toMatchObject({ start: '2027-01-01', end: '2027-03-31' });
    expect(fiscalPeriod('2027-Q1', 1)).toBeNull();
  });

  it('gives the demo attainment for the fiscal quarter and year: actual / target, and a forecast for the quarter end', () => {
    const settings = { ...DEFAULT_KPI_SETTINGS, fiscalYearStartMonth: 2 };
    const raw = generateDemoData({ endDate: '2026-11-23', accounts: 120, weekStartsOn: 1, fiscalYearStartMonth: 2 });
    const data = validatedDemoDataset({ accounts: 120 });
    const targets = raw.targets.map((row) => {
      const r = validator.validate('targets', row);
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return r.record;
    });
    const ctx = prepareKpiContext(data, settings);
    const index = prepareForecast(ctx);
    const error = {
      d30: { horizonDays: 30, points: 1, mape: 0.05, bias: -0.05, from: null, to: null },
      d90: { horizonDays: 90, points: 1, mape: 0.1, bias: -0.1, from: null, to: null },
    };
    const a = attainmentAt(ctx, '2026-11-22', targets, { index, error });
    expect(a.quarter.label).toBe('FY2027-Q4');
    expect(a.quarterRows.map((r) => r.metric)).toEqual(['arr', 'net_new_arr', 'nrr', 'grr', 'logos', 'new_logos']);
    expect(a.yearRows).toHaveLength(6);
    for (const r of [...a.quarterRows, ...a.yearRows]) {
      expect(r.final).toBe(false);
      expect(r.attainment).toBeCloseTo(r.actual! / r.target!, 12);
    }
    const arr = a.quarterRows[0]!;
    expect(arr.actual).toBe(ctx.timeline.totalArrAt(Date.parse('2026-11-22') / 86_400_000));
    // The quarter ends 2027-01-31, 70 days out: forecast with the 90-day error.
    expect(arr.forecast).not.toBeNull();
    expect(arr.forecastError).toBe(error.d90);
    expect(a.quarterRows.find((r) => r.metric === 'nrr')!.forecast).toBeNull();
  });
});

describe('pulse annotate', () => {
  it('appends to annotations.csv, which reads back as the same note, once', async () => {
    const dir = await tempDir();
    const open = async () => new AnnotationFile(dir);
    const first = await annotate(
      { date: '2026-11-02', text: 'New price list, "6%" uplift', metric: 'ARR' },
      validator,
      open,
    );
    expect(first.annotation).toEqual({ date: '2026-11-02', text: 'New price list, "6%" uplift', metric: 'arr' });
    expect(first.where).toBe(join(dir, 'annotations.csv'));
    await annotate({ date: '2026-11-16', text: 'Outage in the EU region' }, validator, open);
    await annotate({ date: '2026-11-02', text: 'New price list, "6%" uplift', metric: 'arr' }, validator, open);
    const { dataset, summary } = await readDataset(new FolderSource(dir), validator);
    expect(summary.rejects).toEqual([]);
    expect(dataset.annotations).toEqual([first.annotation, { date: '2026-11-16', text: 'Outage in the EU region' }]);
    expect(annotationsBetween(dataset.annotations, '2026-11-01', '2026-11-30', 'nrr')).toEqual([
      { date: '2026-11-16', text: 'Outage in the EU region' },
    ]);
  });

  it("keeps an existing file's column order and refuses a bad note before opening anything", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'annotations.csv'), 'metric,text,date\r\nnps,Survey sent,2026-10-01');
    await annotate({ date: '2026-11-03', text: 'Second survey' }, validator, async () => new AnnotationFile(dir));
    expect(await readFile(join(dir, 'annotations.csv'), 'utf8')).toBe(
      'metric,text,date\r\nnps,Survey sent,2026-10-01\r\n,Second survey,2026-11-03\r\n',
    );
    let opened = false;
    const bad = annotate({ date: '2026-02-30', text: '', metric: 'mrr' }, validator, async () => {
      opened = true;
      return new AnnotationFile(dir);
    });
    await expect(bad).rejects.toThrow(AnnotationError);
    await expect(bad).rejects.toThrow(
      'date: "2026-02-30" is not a calendar date (expected YYYY-MM-DD); text: is required; metric: "mrr" is not one of',
    );
    expect(opened).toBe(false);
  });
});
