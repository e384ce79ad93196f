// Per-account ARR movements of a period: the same day-by-day classification as the ARR bridge
// (functions/domain/kpi/arr-bridge.ts), kept per account instead of summed. Summing these over the
// accounts gives the bridge's categories exactly, so the report's "top movers" reconcile with it.
// Movements are classified from o' (the day before at the day's exchange rates) as the bridge does;
// the rate effect itself (fx) is nobody's decision and is not a mover.
import { toEpochDay, type IsoDate } from '../dates';
import type { KpiContext } from '../kpi';
import type { Cents } from '../money';

export type MovementKind = 'new' | 'reactivation' | 'expansion' | 'contraction' | 'churn';
export const MOVEMENT_KINDS: readonly MovementKind[] = ['new', 'reactivation', 'expansion', 'contraction', 'churn'];
/** Kinds that add ARR; the others take it away. */
export const GAIN_KINDS: ReadonlySet<MovementKind> = new Set(['new', 'reactivation', 'expansion']);

export interface AccountMovement {
  accountId: string;
  kind: MovementKind;
  /** Sum of this kind's daily movements of the account in the period, a magnitude (> 0). */
  amount: Cents;
  /** ARR the day before the period and on its last day. */
  arrBefore: Cents;
  arrAfter: Cents;
}

/**
 * Every (account, kind) with a movement in [from, to], amounts summed over the days. An account
 * that churns and comes back within the period appears once as churn and once as reactivation,
 * exactly as the bridge counts it. Sorted by amount (largest first), then account id.
 */
export function accountMovements(ctx: KpiContext, from: IsoDate, to: IsoDate): AccountMovement[] {
  const { timeline } = ctx;
  const fromDay = toEpochDay(from);
  const toDay = toEpochDay(to);
  if (toDay < fromDay) return [];
  const [lo, hi] = timeline.movementsIn(fromDay, toDay);
  const { evDay, evAccount, evAdjustedOpen, evAdjustedExact, evClose, firstPaidStart } = timeline;
  const byKey = new Map<string, AccountMovement>();
  const add = (a: number, kind: MovementKind, amount: number): void => {
    const key = `${a}:${kind}`;
    let m = byKey.get(key);
    if (!m) {
      m = {
        accountId: timeline.accountIds[a] as string,
        kind,
        amount: 0,
        arrBefore: timeline.arrAt(a, fromDay - 1),
        arrAfter: timeline.arrAt(a, toDay),
      };
      byKey.set(key, m);
    }
    m.amount += amount;
  };
  for (let i = lo; i < hi; i++) {
    const a = evAccount[i] as number;
    // o' (= o with one currency); a fraction of a cent only for display here, rounded when printed.
    let o = evAdjustedOpen[i] as number;
    if (Number.isNaN(o)) {
      const r = evAdjustedExact.get(i)!;
      o = Number(r.num) / Number(r.den);
    }
    const c = evClose[i] as number;
    if (o === 0) add(a, (firstPaidStart[a] as number) < (evDay[i] as number) ? 'reactivation' : 'new', c);
    else if (c === 0) add(a, 'churn', o);
    else if (c > o) add(a, 'expansion', c - o);
    else add(a, 'contraction', o - c);
  }
  return [...byKey.values()].sort(
    (x, y) => y.amount - x.amount || (x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : 0),
  );
}
