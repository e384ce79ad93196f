// The KPI engine's entry points. Pure: no I/O, no clock, no environment.
import type { Dataset } from '../contract/validate';
import { lastCompleteWeekEnd, type IsoDate, type IsoWeekday } from '../dates';
import { kpisAt, prepareKpiContext } from './engine';
import { filterDatasetToSegment, partitionBySegment } from './segments';
import type { KpiSettings } from './settings';
import type { KpiResult } from './types';

/**
 * The reported week's last day for a requested date: the last complete week ending on or before
 * it (a Monday selects the Sunday before; a Sunday selects itself when weeks start on Monday).
 */
export function resolveAsOf(date: IsoDate, weekStartsOn: IsoWeekday): IsoDate {
  return lastCompleteWeekEnd(date, weekStartsOn);
}

/**
 * Every KPI for the week ending `asOf` (the week's last day; see resolveAsOf). With `segment`, only
 * that segment's accounts are counted and the spend-based figures are null.
 */
export function computeKpis(
  data: Dataset,
  asOf: IsoDate,
  settings: KpiSettings,
  opts: { segment?: string } = {},
): KpiResult {
  const scoped = opts.segment === undefined ? data : filterDatasetToSegment(data, opts.segment);
  return kpisAt(prepareKpiContext(scoped, settings, opts), asOf);
}

/** segment -> KPIs over that segment's accounts, sorted by segment name ("Unassigned" included when used). */
export function computeSegmentKpis(data: Dataset, asOf: IsoDate, settings: KpiSettings): Map<string, KpiResult> {
  const out = new Map<string, KpiResult>();
  for (const [segment, part] of partitionBySegment(data))
    out.set(segment, kpisAt(prepareKpiContext(part, settings, { segment }), asOf));
  return out;
}

export { computeBridge, computeQtdBridge, computeWeekBridge, bridgeResidual, sumBridges } from './arr-bridge';
export { kpiScopes, kpisAt, prepareKpiContext, type KpiContext, type KpiScopes } from './engine';
export { usageNeededFrom } from './adoption';
export { computeCohorts, COHORT_MONTHS } from './cohorts';
export { computeContractedArr, CONTRACTED_HORIZONS } from './contracted-arr';
export { bandOf } from './health';
export { toKpiJson, type CohortJson, type ContractedArrJson, type KpiJson, type KpiJsonOptions } from './json';
export { UNASSIGNED_SEGMENT, partitionBySegment, filterDatasetToSegment, segmentsByAccount } from './segments';
export { DEFAULT_KPI_SETTINGS, kpiSettingsFrom, type KpiSettings, type HealthWeights } from './settings';
export { ArrTimeline } from './timeline';
export { computeTrend, trendFromContext, TREND_WEEKS } from './trends';
export type * from './types';
