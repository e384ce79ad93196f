// The KPI engine: indexes a dataset once (ARR timelines, usage, tickets and NPS per account) and
// answers the KPIs for any asOf from those indexes.
import type { Dataset } from '../contract/validate';
import { addDays, isIsoDate, isoWeekLabel, toEpochDay, type IsoDate } from '../dates';
import { convertDataset, unconvertedRows, withUnconverted, type UnconvertedRow } from '../fx';
import { UsageIndex, computeAdoption } from './adoption';
import { computeBridge, computeQtdBridge } from './arr-bridge';
import { computeCohorts } from './cohorts';
import { computeContractedArr } from './contracted-arr';
import { computeExpansion } from './expansion';
import { HealthIndex, healthBuckets, scoreAccount, type HealthInputs } from './health';
import { computeRenewals } from './renewals';
import { computeRetention } from './retention';
import { partitionBySegment, segmentsByAccount, segmentOf } from './segments';
import type { KpiSettings } from './settings';
import { ArrTimeline, EpochDays } from './timeline';
import type { AccountHealth, KpiResult } from './types';
import { computeUnitEconomics } from './unit-economics';
import { computeSupport, computeVoice } from './voice-support';

export interface KpiContext {
  /** The dataset in the reporting currency (rows in other currencies converted, see domain/fx.ts). */
  data: Dataset;
  /** Rows left out because no rate converts them. */
  unconverted: readonly UnconvertedRow[];
  settings: KpiSettings;
  days: EpochDays;
  timeline: ArrTimeline;
  usage: UsageIndex;
  healthIndex: HealthIndex;
  health: HealthInputs;
  segments: ReadonlyMap<string, string>;
  /** Set when the dataset holds one segment's records only. */
  segment?: string;
}

/** Builds the indexes once; `segment` marks a dataset already reduced to one segment. */
export function prepareKpiContext(input: Dataset, settings: KpiSettings, opts: { segment?: string } = {}): KpiContext {
  // Converted here so every figure, whatever loaded the data, is in the reporting currency.
  const data = convertDataset(input, settings.currency);
  const days = new EpochDays();
  // Index every account id seen anywhere; the customers are found from the ARR timelines.
  const ids = new Set<string>();
  for (const a of data.accounts) ids.add(a.accountId);
  for (const s of data.subscriptions) ids.add(s.accountId);
  for (const u of data.usage) ids.add(u.accountId);
  for (const t of data.tickets) ids.add(t.accountId);
  for (const r of data.nps) ids.add(r.accountId);
  const timeline = new ArrTimeline(data.subscriptions, ids, days);
  const n = timeline.accountCount;
  const usage = new UsageIndex(data.usage, timeline.indexOf, n, days);
  const healthIndex = new HealthIndex(data.tickets, data.nps, timeline.indexOf, n, days);
  const ctx: KpiContext = {
    data,
    unconverted: unconvertedRows(data),
    settings,
    days,
    timeline,
    usage,
    healthIndex,
    health: { usage, index: healthIndex, weights: settings.healthWeights },
    segments: segmentsByAccount(data.accounts),
  };
  if (opts.segment !== undefined) ctx.segment = opts.segment;
  return ctx;
}

/** A dataset indexed for the KPIs, company-wide and per segment. */
export interface KpiScopes {
  company: KpiContext;
  segments: Map<string, KpiContext>;
}

export function kpiScopes(data: Dataset, settings: KpiSettings): KpiScopes {
  const company = prepareKpiContext(data, settings);
  // Segments are cut from the converted data (converted once), each with its own unconverted rows.
  return {
    company,
    segments: new Map(
      [...partitionBySegment(withUnconverted(company.data, company.unconverted))].map(
        ([segment, part]) => [segment, prepareKpiContext(part, settings, { segment })] as const,
      ),
    ),
  };
}

export function assertIsoDate(date: string, what = 'asOf'): void {
  if (!isIsoDate(date)) throw new RangeError(`${what} "${date}" is not a calendar date (expected YYYY-MM-DD)`);
}

/** Positions of the customers (ARR > 0) on the epoch day. */
export function customersOn(ctx: KpiContext, day: number): number[] {
  const out: number[] = [];
  for (let a = 0; a < ctx.timeline.accountCount; a++) if (ctx.timeline.arrAt(a, day) > 0) out.push(a);
  return out;
}

/** Health of every customer at asOf, sorted by account id. */
export function customerHealth(ctx: KpiContext, asOf: IsoDate, customers?: readonly number[]): AccountHealth[] {
  const asOfDay = toEpochDay(asOf);
  const weekDay = asOfDay - 6;
  const { timeline } = ctx;
  const out: AccountHealth[] = [];
  for (const a of customers ?? customersOn(ctx, asOfDay)) {
    const accountId = timeline.accountIds[a] as string;
    out.push({
      accountId,
      segment: segmentOf(ctx.segments, accountId),
      arr: timeline.arrAt(a, asOfDay),
      ...scoreAccount(ctx.health, a, asOfDay, weekDay),
    });
  }
  return out.sort((x, y) => (x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : 0));
}

/** Every KPI for the week ending asOf (asOf = the week's last day). */
export function kpisAt(ctx: KpiContext, asOf: IsoDate): KpiResult {
  assertIsoDate(asOf);
  const { timeline, data, settings } = ctx;
  const asOfDay = toEpochDay(asOf);
  const weekStart = addDays(asOf, -6);
  const week = computeBridge(timeline, weekStart, asOf);
  const qtd = computeQtdBridge(timeline, asOf, settings.fiscalYearStartMonth);
  const customers = customersOn(ctx, asOfDay);
  const retention = computeRetention(timeline, asOf);
  const accounts = customerHealth(ctx, asOf, customers);
  const result: KpiResult = {
    asOf,
    weekStart,
    week: isoWeekLabel(asOf),
    currency: settings.currency,
    arrBridge: week.bridge,
    customers: week.customers,
    quarter: qtd.quarter,
    arrBridgeQtd: qtd.bridge,
    customersQtd: qtd.customers,
    retention,
    renewals: computeRenewals(data.renewals, asOf),
    expansion: computeExpansion(data.expansions, asOf),
    adoption: computeAdoption(ctx.usage, customers, asOfDay - 6),
    voice: computeVoice(data.nps, data.tickets, asOf),
    support: computeSupport(data.tickets, asOf),
    unitEconomics: computeUnitEconomics(asOf, {
      timeline,
      subscriptions: data.subscriptions,
      spend: data.spend,
      spendAttributed: ctx.segment === undefined,
      closingArr: week.bridge.close,
      customers: customers.length,
      logoChurn: retention.logoChurn,
      grossMargin: settings.grossMargin,
      ltvMaxYears: settings.ltvMaxYears,
    }),
    health: healthBuckets(accounts),
    accounts,
    cohorts: computeCohorts(timeline, asOf),
    contractedArr: computeContractedArr(timeline, asOf),
    unconverted: [...ctx.unconverted],
  };
  if (ctx.segment !== undefined) result.segment = ctx.segment;
  return result;
}
