// Small builders for KPI test datasets. Amounts are written in currency units and stored in cents.
import type {
  Account,
  Expansion,
  NpsResponse,
  Renewal,
  Spend,
  Subscription,
  Ticket,
  Usage,
} from '../../../functions/domain/contract/entities';
import { emptyDataset, type Dataset } from '../../../functions/domain/contract/validate';
import { DEFAULT_KPI_SETTINGS, type KpiSettings } from '../../../functions/domain/kpi/settings';

export const usd = (amount: number): number => Math.round(amount * 100);

export const settings = (over: Partial<KpiSettings> = {}): KpiSettings => ({ ...DEFAULT_KPI_SETTINGS, ...over });

let seq = 0;
const nextId = (p: string): string => `${p}${++seq}`;

export function dataset(parts: Partial<Dataset> = {}): Dataset {
  return { ...emptyDataset(), ...parts };
}

export const account = (accountId: string, segment?: string): Account =>
  segment === undefined ? { accountId, name: accountId } : { accountId, name: accountId, segment };

export function line(
  accountId: string,
  arr: number,
  startDate: string,
  endDate?: string,
  kind: Subscription['kind'] = 'recurring',
): Subscription {
  const s: Subscription = { lineId: nextId('L'), accountId, kind, arr: usd(arr), startDate };
  if (endDate !== undefined) s.endDate = endDate;
  return s;
}

/** A recurring line with its own id, in `currency` (minor units; none = the reporting currency). */
export const currencyLine = (
  lineId: string,
  accountId: string,
  arr: number,
  startDate: string,
  currency?: string,
  endDate?: string,
): Subscription => ({
  lineId,
  accountId,
  kind: 'recurring',
  arr,
  startDate,
  ...(endDate ? { endDate } : {}),
  ...(currency ? { currency } : {}),
});

export const services = (accountId: string, amount: number, startDate: string): Subscription =>
  line(accountId, amount, startDate, undefined, 'services');

export function renewal(
  accountId: string,
  dueDate: string,
  arrUp: number,
  status: Renewal['status'] = 'open',
  closedDate?: string,
  renewedArr?: number,
  renewalId = nextId('R'),
): Renewal {
  const r: Renewal = { renewalId, accountId, dueDate, arrUp: usd(arrUp), status };
  if (closedDate !== undefined) r.closedDate = closedDate;
  if (renewedArr !== undefined) r.renewedArr = usd(renewedArr);
  return r;
}

export function opportunity(
  accountId: string,
  type: Expansion['type'],
  arr: number,
  stage: Expansion['stage'],
  closeDate?: string,
  createdDate?: string,
): Expansion {
  const e: Expansion = { opportunityId: nextId('O'), accountId, type, arr: usd(arr), stage };
  if (closeDate !== undefined) e.closeDate = closeDate;
  if (createdDate !== undefined) e.createdDate = createdDate;
  return e;
}

export const usage = (accountId: string, week: string, weeklyActiveUsers: number, licensedSeats: number): Usage => ({
  accountId,
  week,
  weeklyActiveUsers,
  licensedSeats,
});

export function ticket(
  accountId: string,
  priority: Ticket['priority'],
  openedDate: string,
  closedDate?: string,
  csat?: number,
): Ticket {
  const t: Ticket = { ticketId: nextId('T'), accountId, priority, openedDate };
  if (closedDate !== undefined) t.closedDate = closedDate;
  if (csat !== undefined) t.csat = csat;
  return t;
}

export const nps = (accountId: string, date: string, score: number, responseId = nextId('N')): NpsResponse => ({
  responseId,
  accountId,
  date,
  score,
});

export const spend = (month: string, amount: number): Spend => ({ month, salesMarketing: usd(amount) });

/** Monthly spend rows for every month from `fromMonth` (YYYY-MM), `count` months. */
export function spendMonths(fromMonth: string, count: number, amount: number): Spend[] {
  const out: Spend[] = [];
  let y = Number(fromMonth.slice(0, 4));
  let m = Number(fromMonth.slice(5, 7));
  for (let i = 0; i < count; i++) {
    out.push(spend(`${y}-${String(m).padStart(2, '0')}`, amount));
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}
