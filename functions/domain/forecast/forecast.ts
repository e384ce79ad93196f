// The renewal and ARR forecast at a date, from a dataset indexed once (`prepareForecast`). Every
// input is taken as it stood on asOf: renewals open at asOf, calibration on renewals closed and
// opportunities decided on or before it, health as of asOf, and (for the backtest) only the lines
// that had started by asOf. See docs/metrics.md "Forecast".
import type { Expansion, Renewal } from '../contract/entities';
import { addDays, daysBetween, lastCompleteWeekEnd, toEpochDay, type IsoDate } from '../dates';
import { add, ratio, roundHalfUp, ZERO, type Ratio } from '../exact';
import type { KpiContext } from '../kpi/engine';
import { inPipelineAt } from '../kpi/expansion';
import { scoreAccount } from '../kpi/health';
import { isOpenAt } from '../kpi/renewals';
import type { Cents } from '../money';
import { calibrate, type ClosedRenewal } from './calibration';
import type { ArrForecast, Calibration, ForecastBand, HorizonForecast, RenewalForecast } from './types';

/** The forecast's horizons, in days after asOf. */
export const FORECAST_HORIZONS = [30, 90] as const;

/**
 * A closed renewal is calibrated with the band its account had this many days before the due date
 * (or the day before it closed, when that is earlier): a forecast looks at renewals up to 90 days
 * out, so the band a month before is the typical one it sees.
 */
export const CALIBRATION_LEAD_DAYS = 30;

interface Line {
  start: number;
  /** Exclusive; Infinity when the line runs on. */
  end: number;
  arr: Cents;
}

export interface ForecastIndex {
  ctx: KpiContext;
  /** Renewals in the reporting currency, by due date then id. */
  renewals: readonly Renewal[];
  expansions: readonly Expansion[];
  /** Closed renewals with the band before they closed (from data before their close only). */
  closed: readonly (ClosedRenewal & { closedDate: IsoDate })[];
  /** Recurring lines per account id. */
  lines: ReadonlyMap<string, readonly Line[]>;
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** Indexes a KPI context for forecasts at any date (the backtest asks ~100 of them). */
export function prepareForecast(ctx: KpiContext): ForecastIndex {
  const renewals = [...ctx.data.renewals].sort((a, b) => cmp(a.dueDate, b.dueDate) || cmp(a.renewalId, b.renewalId));
  const closed: (ClosedRenewal & { closedDate: IsoDate })[] = [];
  for (const r of renewals) {
    if (r.status === 'open' || r.closedDate === undefined) continue;
    const before = addDays(r.dueDate, -CALIBRATION_LEAD_DAYS);
    const dayBeforeClose = addDays(r.closedDate, -1);
    const bandDate = before < dayBeforeClose ? before : dayBeforeClose;
    closed.push({
      band: bandAt(ctx, r.accountId, bandDate).band,
      arrUp: r.arrUp,
      keptArr: r.status === 'renewed' ? Math.min(r.renewedArr ?? 0, r.arrUp) : 0,
      closedDate: r.closedDate,
    });
  }
  const lines = new Map<string, Line[]>();
  for (const s of ctx.data.subscriptions) {
    if (s.kind !== 'recurring') continue;
    const line = {
      start: toEpochDay(s.startDate),
      end: s.endDate === undefined ? Infinity : toEpochDay(s.endDate),
      arr: s.arr,
    };
    const list = lines.get(s.accountId);
    if (list) list.push(line);
    else lines.set(s.accountId, [line]);
  }
  return { ctx, renewals, expansions: ctx.data.expansions, closed, lines };
}

/** The account's health on `date` (usage from the last complete week on or before it), as the alert facts take it. */
function bandAt(
  ctx: KpiContext,
  accountId: string,
  date: IsoDate,
): { band: ForecastBand; score: number | null; components: RenewalForecast['components'] } {
  const a = ctx.timeline.indexOf.get(accountId);
  if (a === undefined) return { band: 'unscored', score: null, components: [] };
  const weekDay = toEpochDay(lastCompleteWeekEnd(date, ctx.settings.weekStartsOn)) - 6;
  const h = scoreAccount(ctx.health, a, toEpochDay(date), weekDay);
  return { band: h.band ?? 'unscored', score: h.score, components: h.components };
}

/** The calibration with the history known on asOf: renewals closed and opportunities decided on or before it. */
export function calibrationAt(index: ForecastIndex, asOf: IsoDate): Calibration {
  const history = index.closed.filter((r) => r.closedDate <= asOf);
  let won = 0;
  let lost = 0;
  for (const e of index.expansions) {
    if (e.stage === 'open' || e.closeDate === undefined || e.closeDate > asOf) continue;
    if (e.stage === 'won') won++;
    else lost++;
  }
  return calibrate(asOf, history, { won, lost });
}

/** Every renewal open at asOf and due within `horizonDays` (overdue ones included), with its probability. */
export function forecastRenewals(
  index: ForecastIndex,
  asOf: IsoDate,
  calibration: Calibration,
  horizonDays = 90,
): RenewalForecast[] {
  const until = addDays(asOf, horizonDays);
  const out: RenewalForecast[] = [];
  for (const r of index.renewals) {
    if (r.dueDate > until || !isOpenAt(r, asOf)) continue;
    const health = bandAt(index.ctx, r.accountId, asOf);
    const p = calibration.bands[health.band];
    out.push({
      renewalId: r.renewalId,
      accountId: r.accountId,
      dueDate: r.dueDate,
      daysToDue: daysBetween(asOf, r.dueDate),
      arrUp: r.arrUp,
      band: health.band,
      score: health.score,
      components: health.components,
      probability: p.value,
      expectedArr: roundHalfUp(times(r.arrUp, p.probability)),
    });
  }
  return out;
}

const times = (cents: Cents, p: Ratio): Ratio => ratio(BigInt(cents) * p.num, p.den);

export interface HorizonOptions {
  /**
   * Count only the lines that had started on or before this date (the backtest: a line has no
   * signing date, so a line starting later is taken as unknown then). Default: every line.
   */
  linesStartedBy?: IsoDate;
}

/**
 * The forecast for asOf + horizonDays from the renewals forecast at asOf (`renewals`, every open
 * renewal due within at least this horizon) and the calibration.
 */
export function forecastHorizon(
  index: ForecastIndex,
  asOf: IsoDate,
  horizonDays: number,
  calibration: Calibration,
  renewals: readonly RenewalForecast[],
  opts: HorizonOptions = {},
): HorizonForecast {
  const date = addDays(asOf, horizonDays);
  const day = toEpochDay(date);
  const startedBy = opts.linesStartedBy === undefined ? Infinity : toEpochDay(opts.linesStartedBy);
  const arrOn = (lines: readonly Line[] | undefined): Cents => {
    let sum = 0;
    for (const l of lines ?? []) if (l.start <= startedBy && l.start <= day && day < l.end) sum += l.arr;
    return sum;
  };
  let contractedArr = 0;
  for (const lines of index.lines.values()) contractedArr += arrOn(lines);

  const upByAccount = new Map<string, Cents>();
  const renewalsDue = { count: 0, arr: 0 };
  let expected: Ratio = ZERO;
  for (const r of renewals) {
    if (r.dueDate > date) continue;
    renewalsDue.count++;
    renewalsDue.arr += r.arrUp;
    upByAccount.set(r.accountId, (upByAccount.get(r.accountId) ?? 0) + r.arrUp);
    expected = add(expected, times(r.arrUp, calibration.bands[r.band].probability));
  }
  let renewalsInContracted = 0;
  for (const [accountId, up] of upByAccount) renewalsInContracted += Math.min(up, arrOn(index.lines.get(accountId)));

  const pipeline = { count: 0, arr: 0 };
  for (const e of index.expansions) {
    if (!inPipelineAt(e, asOf) || e.closeDate === undefined || e.closeDate <= asOf || e.closeDate > date) continue;
    pipeline.count++;
    pipeline.arr += e.arr;
  }
  const expectedRenewals = roundHalfUp(expected);
  const weightedPipeline = roundHalfUp(times(pipeline.arr, calibration.winRate.probability));
  return {
    horizonDays,
    date,
    contractedArr,
    renewalsInContracted,
    renewalsDue,
    expectedRenewals,
    pipeline,
    weightedPipeline,
    forecast: contractedArr - renewalsInContracted + expectedRenewals + weightedPipeline,
  };
}

/** The forecast at asOf: calibration, open renewals within 90 days, and the 30- and 90-day horizons. */
export function arrForecast(index: ForecastIndex, asOf: IsoDate, opts: HorizonOptions = {}): ArrForecast {
  const calibration = calibrationAt(index, asOf);
  const renewals = forecastRenewals(index, asOf, calibration, 90);
  return {
    asOf,
    calibration,
    renewals,
    d30: forecastHorizon(index, asOf, 30, calibration, renewals, opts),
    d90: forecastHorizon(index, asOf, 90, calibration, renewals, opts),
  };
}
