// Renewals: what is coming up, what is overdue, what closed this week, and the trailing-90-day
// renewal rates by due date.
import { addDays, type IsoDate } from '../dates';
import type { Renewal } from '../contract/entities';
import type { CountArr, RenewalsResult } from './types';

/**
 * Open at asOf: status `open` (any closed_date on it is ignored), or renewed/churned with a
 * closed_date after asOf. A renewed/churned row without a closed_date (the data contract rejects
 * those) is taken as closed before asOf.
 */
export function isOpenAt(r: Renewal, asOf: IsoDate): boolean {
  return r.status === 'open' || (r.closedDate !== undefined && r.closedDate > asOf);
}

/** Renewed by asOf: status renewed and closed on or before asOf. */
export function isRenewedBy(r: Renewal, asOf: IsoDate): boolean {
  return r.status === 'renewed' && !isOpenAt(r, asOf);
}

export function computeRenewals(renewals: readonly Renewal[], asOf: IsoDate): RenewalsResult {
  const weekStart = addDays(asOf, -6);
  const in30 = addDays(asOf, 30);
  const in60 = addDays(asOf, 60);
  const in90 = addDays(asOf, 90);
  const t90From = addDays(asOf, -89);
  const z = (): CountArr => ({ count: 0, arr: 0 });
  const add = (b: CountArr, arr: number): void => {
    b.count++;
    b.arr += arr;
  };
  const out = {
    upcoming30: z(),
    upcoming60: z(),
    upcoming90: z(),
    overdue: z(),
    renewedThisWeek: z(),
    churnedThisWeek: z(),
  };
  const due = z();
  const renewed = z();
  let renewedArrCapped = 0;

  for (const r of renewals) {
    const open = isOpenAt(r, asOf);
    if (open) {
      if (r.dueDate <= asOf) add(out.overdue, r.arrUp);
      else {
        if (r.dueDate <= in30) add(out.upcoming30, r.arrUp);
        if (r.dueDate <= in60) add(out.upcoming60, r.arrUp);
        if (r.dueDate <= in90) add(out.upcoming90, r.arrUp);
      }
    } else if (r.closedDate !== undefined && r.closedDate >= weekStart && r.closedDate <= asOf) {
      if (r.status === 'renewed') add(out.renewedThisWeek, r.renewedArr ?? 0);
      else if (r.status === 'churned') add(out.churnedThisWeek, r.arrUp);
    }
    if (r.dueDate >= t90From && r.dueDate <= asOf) {
      add(due, r.arrUp);
      if (!open && r.status === 'renewed') {
        const renewedArr = r.renewedArr ?? 0;
        add(renewed, renewedArr);
        renewedArrCapped += Math.min(renewedArr, r.arrUp);
      }
    }
  }

  return {
    ...out,
    trailing90: { from: t90From, to: asOf, due, renewed, renewedArrCapped },
    grossRenewalRate: due.arr > 0 ? renewedArrCapped / due.arr : null,
    netRenewalRate: due.arr > 0 ? renewed.arr / due.arr : null,
    logoRenewalRate: due.count > 0 ? renewed.count / due.count : null,
  };
}
