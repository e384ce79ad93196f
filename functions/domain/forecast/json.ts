// The forecast as a JSON document (`pulse forecast --json`): money as amounts with 2 decimals,
// probabilities and errors as fractions, every horizon with its measured error beside it.
import { centsToAmount } from '../money';
import type {
  ArrForecast,
  BacktestResult,
  BandCalibration,
  ForecastBand,
  HorizonError,
  HorizonForecast,
} from './types';

const ca = (c: { count: number; arr: number }) => ({ count: c.count, arr: centsToAmount(c.arr) });

export function horizonErrorJson(e: HorizonError) {
  return { horizonDays: e.horizonDays, points: e.points, mape: e.mape, bias: e.bias, from: e.from, to: e.to };
}

function horizonJson(h: HorizonForecast, error: HorizonError) {
  return {
    horizonDays: h.horizonDays,
    date: h.date,
    contractedArr: centsToAmount(h.contractedArr),
    renewalsInContracted: centsToAmount(h.renewalsInContracted),
    renewalsDue: ca(h.renewalsDue),
    expectedRenewals: centsToAmount(h.expectedRenewals),
    pipeline: ca(h.pipeline),
    weightedPipeline: centsToAmount(h.weightedPipeline),
    forecast: centsToAmount(h.forecast),
    error: horizonErrorJson(error),
  };
}

function bandJson(b: BandCalibration) {
  return {
    renewals: b.renewals,
    arrUp: centsToAmount(b.arrUp),
    keptArr: centsToAmount(b.keptArr),
    observed: b.observed,
    probability: b.value,
  };
}

export function forecastJson(f: ArrForecast, error: { d30: HorizonError; d90: HorizonError }) {
  const c = f.calibration;
  return {
    asOf: f.asOf,
    d30: horizonJson(f.d30, error.d30),
    d90: horizonJson(f.d90, error.d90),
    calibration: {
      asOf: c.asOf,
      priorWeight: c.priorWeight,
      prior: {
        renewals: c.prior.renewals,
        arrUp: centsToAmount(c.prior.arrUp),
        keptArr: centsToAmount(c.prior.keptArr),
        probability: c.prior.value,
      },
      bands: Object.fromEntries(Object.entries(c.bands).map(([band, b]) => [band, bandJson(b)])) as Record<
        ForecastBand,
        ReturnType<typeof bandJson>
      >,
      winRate: { won: c.winRate.won, lost: c.winRate.lost, probability: c.winRate.value },
    },
    renewals: f.renewals.map((r) => ({
      renewalId: r.renewalId,
      accountId: r.accountId,
      dueDate: r.dueDate,
      daysToDue: r.daysToDue,
      arrUp: centsToAmount(r.arrUp),
      band: r.band,
      score: r.score,
      probability: r.probability,
      expectedArr: centsToAmount(r.expectedArr),
    })),
  };
}

export function backtestJson(b: BacktestResult) {
  return {
    asOf: b.asOf,
    step: b.step,
    d30: horizonErrorJson(b.d30),
    d90: horizonErrorJson(b.d90),
    points: b.points.map((p) => ({ ...p, forecast: centsToAmount(p.forecast), actual: centsToAmount(p.actual) })),
  };
}
