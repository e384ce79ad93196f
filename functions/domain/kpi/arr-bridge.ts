// The ARR bridge of a period: the day-by-day ARR movements of every account, summed.
//
// On each day d an account whose ARR goes from o = ARR(a, d - 1) to c = ARR(a, d) makes one
// movement: new or reactivation (o = 0, c > 0), churn (o > 0, c = 0), expansion (c > o > 0) or
// contraction (0 < c < o). Because movements are per day, the bridges of consecutive periods add
// up to the bridge of the whole, and open + movements = close holds exactly (integer cents).
//
// With other currencies the movement is classified from o' (yesterday's lines at today's rates,
// see timeline.ts) to c, and fx = o' - o holds the effect of the new rates. o' can be a fraction
// of a cent, so expansion, contraction and fx are summed exactly and rounded once, at the end:
// expansion and contraction half-up to the cent, and fx as the rest of the bridge
// (close - open - the other movements), so the bridge in cents still adds up exactly; that fx is
// within a cent of the exact fx rounded alone.
import { addDays, fiscalQuarterOf, toEpochDay, type IsoDate } from '../dates';
import { ExactSum, roundHalfUp, sub, fromInt, type Ratio } from '../exact';
import type { ArrTimeline } from './timeline';
import type { ArrBridge, CustomerCounts } from './types';

export interface BridgeResult {
  bridge: ArrBridge;
  customers: CustomerCounts;
  /** The movements that can be fractions of a cent, before rounding (whole cents with one currency). */
  exact: { expansion: Ratio; contraction: Ratio; fx: Ratio };
}

/** The bridge and the customer movements over the days [from, to] (inclusive). */
export function computeBridge(timeline: ArrTimeline, from: IsoDate, to: IsoDate): BridgeResult {
  const fromDay = toEpochDay(from);
  const toDay = toEpochDay(to);
  const bridge: ArrBridge = {
    from,
    to,
    open: timeline.totalArrAt(fromDay - 1),
    new: 0,
    reactivation: 0,
    expansion: 0,
    contraction: 0,
    churn: 0,
    fx: 0,
    close: timeline.totalArrAt(toDay),
  };
  const customers: CustomerCounts = {
    open: timeline.customersAt(fromDay - 1),
    close: timeline.customersAt(toDay),
    new: 0,
    reactivated: 0,
    churned: 0,
  };
  if (toDay < fromDay) {
    // An empty period: nothing moves and close is the opening position.
    bridge.close = bridge.open;
    customers.close = customers.open;
    return { bridge, customers, exact: { expansion: fromInt(0), contraction: fromInt(0), fx: fromInt(0) } };
  }
  const [lo, hi] = timeline.movementsIn(fromDay, toDay);
  if (timeline.hasFx) return bridgeWithFx(timeline, bridge, customers, lo, hi);
  const { evDay, evAccount, evOpen, evClose, firstPaidStart } = timeline;
  for (let i = lo; i < hi; i++) {
    const o = evOpen[i] as number;
    const c = evClose[i] as number;
    if (o === 0) {
      // A paying line that started before this day means the account was a customer before.
      if ((firstPaidStart[evAccount[i] as number] as number) < (evDay[i] as number)) {
        bridge.reactivation += c;
        customers.reactivated++;
      } else {
        bridge.new += c;
        customers.new++;
      }
    } else if (c === 0) {
      bridge.churn += o;
      customers.churned++;
    } else if (c > o) {
      bridge.expansion += c - o;
    } else {
      bridge.contraction += o - c;
    }
  }
  return {
    bridge,
    customers,
    exact: { expansion: fromInt(bridge.expansion), contraction: fromInt(bridge.contraction), fx: fromInt(0) },
  };
}

/** The same walk, classifying each movement from o' (the day before at the day's rates) to c. */
function bridgeWithFx(
  timeline: ArrTimeline,
  bridge: ArrBridge,
  customers: CustomerCounts,
  lo: number,
  hi: number,
): BridgeResult {
  const { evDay, evAccount, evOpen, evClose, evAdjustedOpen, evAdjustedExact, firstPaidStart } = timeline;
  const expansion = new ExactSum();
  const contraction = new ExactSum();
  const fx = new ExactSum();
  for (let i = lo; i < hi; i++) {
    const o = evOpen[i] as number;
    const c = evClose[i] as number;
    const adjusted = evAdjustedOpen[i] as number;
    if (Number.isNaN(adjusted)) {
      // o' is a fraction of a cent: o > 0 and c > 0 (o' is whole cents when c = 0), and c != o'.
      const exact = evAdjustedExact.get(i) as Ratio;
      const diff = sub(fromInt(c), exact);
      if (diff.num > 0n) expansion.addRatio(diff);
      else contraction.addRatio({ num: -diff.num, den: diff.den });
      fx.addRatio(sub(exact, fromInt(o)));
      continue;
    }
    fx.addInt(adjusted - o);
    if (adjusted === 0) {
      if (c === 0) continue;
      if ((firstPaidStart[evAccount[i] as number] as number) < (evDay[i] as number)) {
        bridge.reactivation += c;
        customers.reactivated++;
      } else {
        bridge.new += c;
        customers.new++;
      }
    } else if (c === 0) {
      bridge.churn += adjusted;
      customers.churned++;
    } else if (c > adjusted) {
      expansion.addInt(c - adjusted);
    } else {
      contraction.addInt(adjusted - c);
    }
  }
  const exact = { expansion: expansion.value, contraction: contraction.value, fx: fx.value };
  bridge.expansion = roundHalfUp(exact.expansion);
  bridge.contraction = roundHalfUp(exact.contraction);
  bridge.fx =
    bridge.close -
    bridge.open -
    bridge.new -
    bridge.reactivation -
    bridge.expansion +
    bridge.contraction +
    bridge.churn;
  return { bridge, customers, exact };
}

/** The reported week's bridge: [asOf - 6, asOf]. */
export function computeWeekBridge(timeline: ArrTimeline, asOf: IsoDate): BridgeResult {
  return computeBridge(timeline, addDays(asOf, -6), asOf);
}

/** Fiscal quarter to date: the first day of the fiscal quarter containing asOf .. asOf. */
export function computeQtdBridge(
  timeline: ArrTimeline,
  asOf: IsoDate,
  fiscalYearStartMonth: number,
): BridgeResult & { quarter: string } {
  const q = fiscalQuarterOf(asOf, fiscalYearStartMonth);
  return { ...computeBridge(timeline, q.start, asOf), quarter: q.label };
}

/** open + new + reactivation + expansion - contraction - churn + fx - close (0 for a consistent bridge). */
export function bridgeResidual(b: ArrBridge): number {
  return b.open + b.new + b.reactivation + b.expansion - b.contraction - b.churn + (b.fx ?? 0) - b.close;
}

/** Sums consecutive bridges into one (from the first's open to the last's close). */
export function sumBridges(parts: readonly ArrBridge[]): ArrBridge | null {
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!first || !last) return null;
  const out: ArrBridge = {
    ...first,
    to: last.to,
    close: last.close,
    new: 0,
    reactivation: 0,
    expansion: 0,
    contraction: 0,
    churn: 0,
    fx: 0,
  };
  for (const p of parts) {
    out.new += p.new;
    out.reactivation += p.reactivation;
    out.expansion += p.expansion;
    out.contraction += p.contraction;
    out.churn += p.churn;
    out.fx += p.fx ?? 0;
  }
  return out;
}
