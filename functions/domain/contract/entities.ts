// The canonical input entities every source produces. A raw row (strings from CSV, or JSON values
// from NDJSON) is validated field by field; the result is a typed record with money in cents and
// dates as ISO calendar dates.
import { z } from 'zod';
import { isIsoDate, startOfWeek, type IsoDate, type IsoWeekday } from '../dates';
import { parseMoney, type Cents } from '../money';

export interface Account {
  accountId: string;
  name: string;
  segment?: string;
  ownerEmail?: string;
  region?: string;
  createdDate?: IsoDate;
}

export interface Subscription {
  lineId: string;
  accountId: string;
  product?: string;
  kind: 'recurring' | 'services';
  arr: Cents;
  startDate: IsoDate;
  /** Exclusive; absent = still active. */
  endDate?: IsoDate;
  seats?: number;
}

export interface Renewal {
  renewalId: string;
  accountId: string;
  dueDate: IsoDate;
  arrUp: Cents;
  status: 'open' | 'renewed' | 'churned';
  closedDate?: IsoDate;
  renewedArr?: Cents;
}

export interface Expansion {
  opportunityId: string;
  accountId: string;
  type: 'upsell' | 'cross_sell';
  arr: Cents;
  stage: 'open' | 'won' | 'lost';
  createdDate?: IsoDate;
  closeDate?: IsoDate;
}

export interface Usage {
  accountId: string;
  /** Normalised to the first day of its week. */
  week: IsoDate;
  weeklyActiveUsers: number;
  licensedSeats: number;
}

export interface Ticket {
  ticketId: string;
  accountId: string;
  openedDate: IsoDate;
  priority: 'p1' | 'p2' | 'p3' | 'p4';
  closedDate?: IsoDate;
  csat?: number;
}

export interface NpsResponse {
  responseId: string;
  accountId: string;
  date: IsoDate;
  score: number;
  comment?: string;
}

export interface Spend {
  /** `YYYY-MM` */
  month: string;
  salesMarketing: Cents;
}

export interface EntityTypes {
  accounts: Account;
  subscriptions: Subscription;
  renewals: Renewal;
  expansions: Expansion;
  usage: Usage;
  tickets: Ticket;
  nps: NpsResponse;
  spend: Spend;
}

export type EntityName = keyof EntityTypes;

export const ENTITY_NAMES: readonly EntityName[] = [
  'accounts',
  'subscriptions',
  'renewals',
  'expansions',
  'usage',
  'tickets',
  'nps',
  'spend',
];

/** Each entity's columns, in contract order (docs/data-contract.md). */
export const CONTRACT_COLUMNS: { readonly [K in EntityName]: readonly string[] } = {
  accounts: ['account_id', 'name', 'segment', 'owner_email', 'region', 'created_date'],
  subscriptions: ['line_id', 'account_id', 'product', 'kind', 'arr', 'start_date', 'end_date', 'seats', 'currency'],
  renewals: ['renewal_id', 'account_id', 'due_date', 'arr_up', 'status', 'closed_date', 'renewed_arr', 'currency'],
  expansions: ['opportunity_id', 'account_id', 'type', 'arr', 'stage', 'created_date', 'close_date', 'currency'],
  usage: ['account_id', 'week', 'weekly_active_users', 'licensed_seats'],
  tickets: ['ticket_id', 'account_id', 'opened_date', 'priority', 'closed_date', 'csat'],
  nps: ['response_id', 'account_id', 'date', 'score', 'comment'],
  spend: ['month', 'sales_marketing', 'currency'],
};

/** The values of the contract's enumerated columns. */
export const SUBSCRIPTION_KINDS = ['recurring', 'services'] as const;
export const RENEWAL_STATUSES = ['open', 'renewed', 'churned'] as const;
export const EXPANSION_TYPES = ['upsell', 'cross_sell'] as const;
export const EXPANSION_STAGES = ['open', 'won', 'lost'] as const;
export const TICKET_PRIORITIES = ['p1', 'p2', 'p3', 'p4'] as const;

export interface ContractOptions {
  currency: string;
  weekStartsOn: IsoWeekday;
}

// ---- field types -------------------------------------------------------------------------

/** Empty cells, whitespace-only strings and JSON null all mean "absent". */
function blankToUndefined(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value === 'string') {
    const t = value.trim();
    return t === '' ? undefined : t;
  }
  return value;
}

const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

function scalarToString(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : value;
}

function clean(value: unknown): unknown {
  return scalarToString(blankToUndefined(value));
}

/** A required field: blank cells fail with "is required". */
function req<T extends z.ZodType>(inner: T) {
  return z.preprocess(clean, inner);
}

/** An optional field: blank cells are absent, anything else must be valid. */
function opt<T extends z.ZodType>(inner: T) {
  return z.preprocess(clean, inner.optional());
}

const text = () => z.string({ error: required('text') });

const date = () =>
  z
    .string({ error: required('a date YYYY-MM-DD') })
    .refine(isIsoDate, { error: (i) => `"${String(i.input)}" is not a calendar date (expected YYYY-MM-DD)` });

const money = () =>
  z.string({ error: required('an amount') }).transform((s, ctx) => {
    const cents = parseMoney(s);
    if (cents === null) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not an amount (a decimal >= 0 with at most 2 decimals)` });
      return z.NEVER;
    }
    return cents;
  });

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.string({ error: required('a whole number') }).transform((s, ctx) => {
    if (!/^-?\d+$/.test(s)) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not a whole number` });
      return z.NEVER;
    }
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${s} is out of range (${min}..${max === Number.MAX_SAFE_INTEGER ? '' : max})` });
      return z.NEVER;
    }
    return n;
  });

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string({ error: required(`one of: ${values.join(', ')}`) })
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(values, { error: (i) => `"${String(i.input)}" is not one of: ${values.join(', ')}` }));

/** An email address as the contract accepts it: no spaces, angle brackets or line breaks (no header injection). */
export const EMAIL_PATTERN = /^[^\s@<>(),;:"\r\n]+@[^\s@<>(),;:"\r\n]+\.[^\s@<>(),;:"\r\n]+$/;

const email = () =>
  z.string().refine((s) => EMAIL_PATTERN.test(s), {
    error: (i) => `"${String(i.input)}" is not an email address`,
  });

const currencyField = (expected: string) =>
  opt(
    z.string().refine((c) => c.toUpperCase() === expected.toUpperCase(), {
      error: (i) => `"${String(i.input)}" is not the reporting currency ${expected} (no conversion is done)`,
    }),
  );

// ---- entity schemas ----------------------------------------------------------------------

type RowSchema<T> = z.ZodType<T, Record<string, unknown>>;

export function entitySchemas(opts: ContractOptions): { [K in EntityName]: RowSchema<EntityTypes[K]> } {
  const currency = currencyField(opts.currency);

  const accounts = z
    .object({
      account_id: req(text()),
      name: req(text()),
      segment: opt(text()),
      owner_email: opt(email()),
      region: opt(text()),
      created_date: opt(date()),
    })
    .transform(
      (r): Account =>
        compact({
          accountId: r.account_id,
          name: r.name,
          segment: r.segment,
          ownerEmail: r.owner_email,
          region: r.region,
          createdDate: r.created_date,
        }),
    );

  const subscriptions = z
    .object({
      line_id: req(text()),
      account_id: req(text()),
      product: opt(text()),
      kind: opt(oneOf(SUBSCRIPTION_KINDS)),
      arr: req(money()),
      start_date: req(date()),
      end_date: opt(date()),
      seats: opt(int(0)),
      currency,
    })
    .superRefine((r, ctx) => {
      if (r.end_date !== undefined && r.end_date <= r.start_date) {
        ctx.addIssue({ code: 'custom', path: ['end_date'], message: `${r.end_date} must be after start_date ${r.start_date}` });
      }
    })
    .transform(
      (r): Subscription =>
        compact({
          lineId: r.line_id,
          accountId: r.account_id,
          product: r.product,
          kind: r.kind ?? 'recurring',
          arr: r.arr,
          startDate: r.start_date,
          endDate: r.end_date,
          seats: r.seats,
        }),
    );

  const renewals = z
    .object({
      renewal_id: req(text()),
      account_id: req(text()),
      due_date: req(date()),
      arr_up: req(money()),
      status: req(oneOf(RENEWAL_STATUSES)),
      closed_date: opt(date()),
      renewed_arr: opt(money()),
      currency,
    })
    .superRefine((r, ctx) => {
      if (r.status !== 'open' && r.closed_date === undefined) {
        ctx.addIssue({ code: 'custom', path: ['closed_date'], message: `is required when status is ${r.status}` });
      }
      if (r.status === 'renewed' && r.renewed_arr === undefined) {
        ctx.addIssue({ code: 'custom', path: ['renewed_arr'], message: 'is required when status is renewed' });
      }
    })
    .transform(
      (r): Renewal =>
        compact({
          renewalId: r.renewal_id,
          accountId: r.account_id,
          dueDate: r.due_date,
          arrUp: r.arr_up,
          status: r.status,
          closedDate: r.closed_date,
          renewedArr: r.renewed_arr,
        }),
    );

  const expansions = z
    .object({
      opportunity_id: req(text()),
      account_id: req(text()),
      type: req(oneOf(EXPANSION_TYPES)),
      arr: req(money()),
      stage: req(oneOf(EXPANSION_STAGES)),
      created_date: opt(date()),
      close_date: opt(date()),
      currency,
    })
    .transform(
      (r): Expansion =>
        compact({
          opportunityId: r.opportunity_id,
          accountId: r.account_id,
          type: r.type,
          arr: r.arr,
          stage: r.stage,
          createdDate: r.created_date,
          closeDate: r.close_date,
        }),
    );

  const usage = z
    .object({
      account_id: req(text()),
      week: req(date()),
      weekly_active_users: req(int(0)),
      licensed_seats: req(int(0)),
    })
    .transform(
      (r): Usage => ({
        accountId: r.account_id,
        week: startOfWeek(r.week, opts.weekStartsOn),
        weeklyActiveUsers: r.weekly_active_users,
        licensedSeats: r.licensed_seats,
      }),
    );

  const tickets = z
    .object({
      ticket_id: req(text()),
      account_id: req(text()),
      opened_date: req(date()),
      priority: req(oneOf(TICKET_PRIORITIES)),
      closed_date: opt(date()),
      csat: opt(int(1, 5)),
    })
    .transform(
      (r): Ticket =>
        compact({
          ticketId: r.ticket_id,
          accountId: r.account_id,
          openedDate: r.opened_date,
          priority: r.priority,
          closedDate: r.closed_date,
          csat: r.csat,
        }),
    );

  const nps = z
    .object({
      response_id: req(text()),
      account_id: req(text()),
      date: req(date()),
      score: req(int(0, 10)),
      comment: opt(z.string()),
    })
    .transform(
      (r): NpsResponse =>
        compact({ responseId: r.response_id, accountId: r.account_id, date: r.date, score: r.score, comment: r.comment }),
    );

  const spend = z
    .object({
      month: req(
        z
          .string({ error: required('a month YYYY-MM') })
          .refine((m) => /^\d{4}-\d{2}$/.test(m) && isIsoDate(`${m}-01`), {
            error: (i) => `"${String(i.input)}" is not a month (expected YYYY-MM)`,
          }),
      ),
      sales_marketing: req(money()),
      currency,
    })
    .transform((r): Spend => ({ month: r.month, salesMarketing: r.sales_marketing }));

  return { accounts, subscriptions, renewals, expansions, usage, tickets, nps, spend } as {
    [K in EntityName]: RowSchema<EntityTypes[K]>;
  };
}

/** The primary key of a record: a later record with the same key replaces the earlier one. */
export const entityKey: { [K in EntityName]: (r: EntityTypes[K]) => string } = {
  accounts: (r) => r.accountId,
  subscriptions: (r) => r.lineId,
  renewals: (r) => r.renewalId,
  expansions: (r) => r.opportunityId,
  usage: (r) => `${r.accountId}#${r.week}`,
  tickets: (r) => r.ticketId,
  nps: (r) => r.responseId,
  spend: (r) => r.month,
};

/** Drops keys whose value is undefined, so records compare and serialise cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
