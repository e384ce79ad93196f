// Per-account ARR movements behind the bridge, one row per account and day on which its ARR moved:
// the same day-by-day classification as functions/domain/kpi/arr-bridge.ts (new, reactivation,
// expansion, contraction, churn), kept per movement instead of summed. Summing `amount` by
// movement type over a period gives that period's bridge exactly (integer cents), so every figure
// of the bridge can be traced to the accounts and days behind it.
//
// With other currencies a day can also carry an `fx` row: the account's lines of the day before
// revalued at the day's rates (o -> o'), then the movement from o' to the day's ARR, as the bridge
// classifies it. o' is rounded half-up to the cent here, so each day's rows still add up to its
// ARR change exactly; when o' is a fraction of a cent the rows of a period can differ from the
// bridge's rounded totals by a cent (the bridge sums the exact fractions).
import { fromEpochDay, toEpochDay, type IsoDate } from '../dates';
import { roundHalfUp } from '../exact';
import type { ArrBridge, ArrTimeline } from '../kpi';
import type { Cents } from '../money';

export type MovementType = 'new' | 'reactivation' | 'expansion' | 'contraction' | 'churn' | 'fx';
export const MOVEMENT_TYPES: readonly MovementType[] = [
  'new',
  'reactivation',
  'expansion',
  'contraction',
  'churn',
  'fx',
];

export interface ArrMovement {
  accountId: string;
  /** The day the account's ARR changed. */
  date: IsoDate;
  type: MovementType;
  /** ARR the day before and on the day. */
  arrBefore: Cents;
  arrAfter: Cents;
  /**
   * The movement's size as the bridge counts it (> 0): c for new/reactivation, o for churn, |c - o|
   * otherwise; for `fx`, the signed effect of the new rates (o' - o).
   */
  amount: Cents;
}

/** Every account movement dated in [from, to], in date order (ties: in the timeline's account order). */
export function arrMovements(timeline: ArrTimeline, from: IsoDate, to: IsoDate): ArrMovement[] {
  const fromDay = toEpochDay(from);
  const toDay = toEpochDay(to);
  if (toDay < fromDay) return [];
  const [lo, hi] = timeline.movementsIn(fromDay, toDay);
  const { evDay, evAccount, evOpen, evClose, evAdjustedOpen, evAdjustedExact, firstPaidStart, accountIds } = timeline;
  const out: ArrMovement[] = [];
  for (let i = lo; i < hi; i++) {
    const a = evAccount[i] as number;
    const day = evDay[i] as number;
    const before = evOpen[i] as number;
    const c = evClose[i] as number;
    // o': yesterday's lines at today's rates (= the ARR the day before, with one currency).
    const adjusted = evAdjustedOpen[i] as number;
    const o = Number.isNaN(adjusted) ? roundHalfUp(evAdjustedExact.get(i)!) : adjusted;
    if (o !== before)
      out.push({
        accountId: accountIds[a] as string,
        date: fromEpochDay(day),
        type: 'fx',
        arrBefore: before,
        arrAfter: o,
        amount: o - before,
      });
    if (c === o) continue;
    let type: MovementType;
    let amount: number;
    if (o === 0) {
      type = (firstPaidStart[a] as number) < day ? 'reactivation' : 'new';
      amount = c;
    } else if (c === 0) {
      type = 'churn';
      amount = o;
    } else if (c > o) {
      type = 'expansion';
      amount = c - o;
    } else {
      type = 'contraction';
      amount = o - c;
    }
    out.push({ accountId: accountIds[a] as string, date: fromEpochDay(day), type, arrBefore: o, arrAfter: c, amount });
  }
  return out;
}

/** The bridge's five movement totals from a list of movements. */
export function sumMovements(movements: readonly ArrMovement[]): Record<MovementType, Cents> {
  const sums: Record<MovementType, Cents> = { new: 0, reactivation: 0, expansion: 0, contraction: 0, churn: 0, fx: 0 };
  for (const m of movements) sums[m.type] += m.amount;
  return sums;
}

/** Movement totals minus the bridge's, per type: all zero when the movements reconcile with the bridge. */
export function movementResidual(movements: readonly ArrMovement[], bridge: ArrBridge): Record<MovementType, Cents> {
  const s = sumMovements(movements);
  return {
    new: s.new - bridge.new,
    reactivation: s.reactivation - bridge.reactivation,
    expansion: s.expansion - bridge.expansion,
    contraction: s.contraction - bridge.contraction,
    churn: s.churn - bridge.churn,
    fx: s.fx - (bridge.fx ?? 0),
  };
}
