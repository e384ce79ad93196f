// Compute a reported week from the store and save its KPI snapshots (company-wide and per
// segment), so trends come from stored history and any past week's report can be regenerated.
// Recomputing a week overwrites its snapshots: the result depends only on (stored data, week, settings).
import { addDays, isoWeekLabel, type IsoDate } from '../domain/dates';
import {
  kpiScopes,
  kpisAt,
  toKpiJson,
  trendFromContext,
  TREND_WEEKS,
  usageNeededFrom,
  type KpiResult,
  type KpiSettings,
  type TrendResult,
} from '../domain/kpi';
import type { Dataset } from '../domain/contract/validate';
import type { RunLedger } from '../ports/run-ledger';
import type { KpiSnapshot, Store } from '../ports/store';
import { recordRunIf } from './record-run';

export const COMPANY_SCOPE = 'company';
export const segmentScope = (segment: string) => `segment:${segment}`;

export interface ComputeWeekOptions {
  /** The reported week's last day. */
  asOf: IsoDate;
  /** Also (re)compute this many earlier weeks, for trends. Default 0. */
  history?: number;
  /** When the computation ran (ISO timestamp), recorded in each snapshot. */
  computedAt: string;
  /** Use this dataset instead of loading the store (it must be what the store holds). */
  dataset?: Dataset;
  /** Records the run (kind `compute`) when given. */
  runLedger?: RunLedger;
  /** What started it (`schedule`, `demo`, `cli` ...), for the run ledger. */
  trigger?: string;
}

export interface ComputedWeek {
  asOf: IsoDate;
  week: string;
  company: KpiResult;
  segments: Map<string, KpiResult>;
  trend: TrendResult;
  /** Week labels whose snapshots were written, oldest first. */
  snapshotsWritten: string[];
}

export async function computeWeek(
  store: Store,
  settings: KpiSettings,
  opts: ComputeWeekOptions,
): Promise<ComputedWeek> {
  const spec = {
    kind: 'compute' as const,
    subject: COMPANY_SCOPE,
    period: isoWeekLabel(opts.asOf),
    ...(opts.trigger ? { trigger: opts.trigger } : {}),
  };
  return recordRunIf(opts.runLedger, spec, async (run) => {
    const computed = await computeAndStore(store, settings, opts);
    run?.count('weeks', computed.snapshotsWritten.length);
    run?.count('segments', computed.segments.size);
    // Rows in another currency that no rate converts are left out of every figure: the run says how many.
    if (computed.company.unconverted.length) run?.count('unconverted', computed.company.unconverted.length);
    return computed;
  });
}

async function computeAndStore(store: Store, settings: KpiSettings, opts: ComputeWeekOptions): Promise<ComputedWeek> {
  // Every week computed carries a trend (TREND_WEEKS weeks and the one before them, for the first
  // week's change), so the earliest week's trend looks back furthest.
  const data =
    opts.dataset ??
    (await store.loadDataset({ usageFrom: usageNeededFrom(opts.asOf, (opts.history ?? 0) + TREND_WEEKS) }));
  const { company, segments: segmentContexts } = kpiScopes(data, settings);

  const weeks = Array.from({ length: (opts.history ?? 0) + 1 }, (_, i) =>
    addDays(opts.asOf, -7 * ((opts.history ?? 0) - i)),
  );
  let latest: Omit<ComputedWeek, 'snapshotsWritten'> | undefined;
  const written: string[] = [];
  for (const asOf of weeks) {
    const result = kpisAt(company, asOf);
    const segments = new Map([...segmentContexts].map(([segment, ctx]) => [segment, kpisAt(ctx, asOf)]));
    const trend = trendFromContext(company, asOf);
    const week = isoWeekLabel(asOf);
    const snapshots: KpiSnapshot[] = [
      { scope: COMPANY_SCOPE, week, asOf, computedAt: opts.computedAt, kpis: toKpiJson(result, { segments, trend }) },
      ...[...segments].map(([segment, r]) => ({
        scope: segmentScope(segment),
        week,
        asOf,
        computedAt: opts.computedAt,
        kpis: toKpiJson(r, { trend: trendFromContext(segmentContexts.get(segment)!, asOf) }),
      })),
    ];
    for (const s of snapshots) await store.putSnapshot(s);
    written.push(week);
    latest = { asOf, week, company: result, segments, trend };
  }
  return { ...latest!, snapshotsWritten: written };
}
