// Everything the weekly report needs from one dataset, computed with the KPI engine in one pass:
// the week, the week before, the 13-week trend, each segment, and the week's per-account movements.
import type { Dataset } from '../contract/validate';
import { addDays, type IsoDate } from '../dates';
import {
  kpiScopes,
  kpisAt,
  trendFromContext,
  TREND_WEEKS,
  usageNeededFrom,
  type KpiResult,
  type KpiSettings,
  type TrendResult,
} from '../kpi';
import { accountMovements, type AccountMovement } from './movements';
import type { WeeklyReportInput } from './view-model';

export interface WeeklyReportData {
  company: KpiResult;
  previous: KpiResult;
  trend: TrendResult;
  segments: Map<string, KpiResult>;
  movements: AccountMovement[];
  accounts: Dataset['accounts'];
  renewals: Dataset['renewals'];
}

/**
 * The first usage week the report for the week ending `asOf` can use: its trend looks back furthest
 * (`trendWeeks` weeks and one more, whose figures give the first week its change).
 */
export function reportUsageFrom(asOf: IsoDate, trendWeeks = TREND_WEEKS): IsoDate {
  return usageNeededFrom(asOf, trendWeeks);
}

/** `scopes`: the dataset already indexed (kpiScopes of the same data and settings), when the caller has it. */
export function computeWeeklyReportData(
  data: Dataset,
  settings: KpiSettings,
  asOf: IsoDate,
  trendWeeks = TREND_WEEKS,
  scopes = kpiScopes(data, settings),
): WeeklyReportData {
  const ctx = scopes.company;
  const company = kpisAt(ctx, asOf);
  const segments = new Map([...scopes.segments].map(([segment, c]) => [segment, kpisAt(c, asOf)] as const));
  return {
    company,
    previous: kpisAt(ctx, addDays(asOf, -7)),
    trend: trendFromContext(ctx, asOf, trendWeeks),
    segments,
    movements: accountMovements(ctx, company.weekStart, asOf),
    accounts: data.accounts,
    // In the reporting currency, as the KPIs see them.
    renewals: ctx.data.renewals,
  };
}

/** The view-model input from computed data and the report's settings. */
export function weeklyReportInput(
  d: WeeklyReportData,
  opts: Pick<
    WeeklyReportInput,
    | 'companyName'
    | 'locale'
    | 'subjectTemplate'
    | 'archive'
    | 'dataQuality'
    | 'riskWindowDays'
    | 'topN'
    | 'outlook'
    | 'annotations'
  >,
): WeeklyReportInput {
  return {
    ...opts,
    company: d.company,
    previous: d.previous,
    trend: d.trend,
    segments: d.segments,
    accounts: d.accounts,
    renewals: d.renewals,
    movements: d.movements,
  };
}
