// The canonical input entities every source produces. A raw row (strings from CSV, or JSON values
// from NDJSON) is validated field by field; the result is a typed record with money in cents and
// dates as ISO calendar dates.
import { z } from 'zod';
import { isIsoDate, startOfWeek, type IsoDate, type IsoWeekday } from '../dates';
import { CURRENCY_CODE, currencyDecimals, parseMinorUnits, parseMoney, type Cents } from '../money';
import { FISCAL_PERIOD_PATTERN } from '../plan/fiscal';
import {
  ANNOTATION_METRICS,
  TARGET_METRICS,
  TARGET_UNITS,
  type Annotation,
  type Target,
  type TargetMetric,
} from '../plan/types';

export type { Annotation, Target } from '../plan/types';

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
  /** Set when not the reporting currency: `arr` is then in minor units of it (until converted, see `fx`). */
  currency?: string;
  /** After conversion (domain/fx.ts): the original currency, amount and rate; `arr` is reporting cents. */
  fx?: FxApplied & { arr: number };
}

/** How a row's money was converted: the rate of the `fx_rates` row dated `rateDate` (latest <= the row's date). */
export interface FxApplied {
  currency: string;
  /** Units of the reporting currency per 1 unit of `currency`, as given (an exact decimal). */
  rate: string;
  rateDate: IsoDate;
}

export interface Renewal {
  renewalId: string;
  accountId: string;
  dueDate: IsoDate;
  arrUp: Cents;
  status: 'open' | 'renewed' | 'churned';
  closedDate?: IsoDate;
  renewedArr?: Cents;
  /** Set when not the reporting currency: the money fields are then in minor units of it (until converted). */
  currency?: string;
  /** After conversion: the original currency, amounts (minor units) and rate. */
  fx?: FxApplied & { arrUp: number; renewedArr?: number };
}

export interface Expansion {
  opportunityId: string;
  accountId: string;
  type: 'upsell' | 'cross_sell';
  arr: Cents;
  stage: 'open' | 'won' | 'lost';
  createdDate?: IsoDate;
  closeDate?: IsoDate;
  /** Set when not the reporting currency: `arr` is then in minor units of it (until converted). */
  currency?: string;
  /** After conversion: the original currency, amount (minor units) and rate. */
  fx?: FxApplied & { arr: number };
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

/** A daily exchange rate: units of the reporting currency per 1 unit of `currency` on `date`. */
export interface FxRate {
  date: IsoDate;
  /** ISO 4217, upper-case. */
  currency: string;
  /** A decimal > 0 as given (trimmed), kept as text so it stays exact. */
  rate: string;
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
  fx_rates: FxRate;
  targets: Target;
  annotations: Annotation;
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
  'fx_rates',
  'targets',
  'annotations',
];

/** The entities whose money may be in another currency than the reporting one (converted with fx_rates). */
export const MULTI_CURRENCY_ENTITIES = ['subscriptions', 'renewals', 'expansions'] as const;

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
  fx_rates: ['date', 'currency', 'rate'],
  targets: ['metric', 'period', 'value'],
  annotations: ['date', 'text', 'metric'],
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
      ctx.addIssue({
        code: 'custom',
        message: `${s} is out of range (${min}..${max === Number.MAX_SAFE_INTEGER ? '' : max})`,
      });
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

/** On entities without conversion (spend): the reporting currency only. */
const currencyField = (expected: string) =>
  opt(
    z.string().refine((c) => c.toUpperCase() === expected.toUpperCase(), {
      error: (i) =>
        `"${String(i.input)}" is not the reporting currency ${expected} (only subscriptions, renewals and expansions are converted)`,
    }),
  );

/** An ISO 4217 code, any case, normalised upper-case. */
const currencyCode = () =>
  z
    .string({ error: required('a currency code (ISO 4217, e.g. EUR)') })
    .refine((c) => CURRENCY_CODE.test(c), {
      error: (i) => `"${String(i.input)}" is not a currency code (ISO 4217: three letters, e.g. EUR)`,
    })
    .transform((c) => c.toUpperCase());

/** A positive exact decimal (an exchange rate): digits, an optional point and up to 18 decimals. */
export const RATE_PATTERN = /^\d{1,18}(\.\d{1,18})?$/;

const rate = () =>
  z.string({ error: required('a rate (a decimal > 0)') }).refine((s) => RATE_PATTERN.test(s) && /[1-9]/.test(s), {
    error: (i) => `"${String(i.input)}" is not a rate (a decimal > 0, e.g. 1.0842)`,
  });

/** How a row's money is read: reporting-currency cents (at most 2 decimals), or minor units of a currency with 0, 2 or 3 decimals. */
type AmountUnit = 'cents' | 0 | 2 | 3;

/** A money field in `unit`, as an integer (cents, or minor units of the row's currency). */
const amountIn = (unit: AmountUnit, currency: string) =>
  unit === 'cents'
    ? money()
    : z.string({ error: required('an amount') }).transform((s, ctx) => {
        const minor = parseMinorUnits(s, unit);
        if (minor === null) {
          ctx.addIssue({
            code: 'custom',
            message: `"${s}" is not an amount in ${currency} (a decimal >= 0 with ${unit === 0 ? 'no decimals' : `at most ${unit} decimals`})`,
          });
          return z.NEVER;
        }
        return minor;
      });

/** The row's currency when it is another than the reporting one (upper-case); undefined for the reporting currency or an invalid code (its own field error). */
function foreignCurrencyOf(raw: unknown, reporting: string): string | undefined {
  const v = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).currency : undefined;
  if (typeof v !== 'string') return undefined;
  const code = v.trim().toUpperCase();
  return CURRENCY_CODE.test(code) && code !== reporting ? code : undefined;
}

/**
 * A row schema whose money depends on the row's currency: the row is read with the schema for its
 * currency's decimals (every field checked at once, errors named by field), then tagged with the
 * currency when it is not the reporting one.
 */
function byRowCurrency<T>(
  reporting: string,
  make: (unit: AmountUnit, currency: string) => RowSchema<T>,
): RowSchema<T & { currency?: string }> {
  const schemas = new Map<string, RowSchema<T>>();
  const schemaFor = (unit: AmountUnit, currency: string) => {
    const key = unit === 'cents' ? 'cents' : `${unit}:${currency}`;
    let schema = schemas.get(key);
    if (!schema) schemas.set(key, (schema = make(unit, currency)));
    return schema;
  };
  const wrapper = z.unknown().transform((raw, ctx) => {
    const code = foreignCurrencyOf(raw, reporting);
    const parsed = (
      code === undefined ? schemaFor('cents', reporting) : schemaFor(currencyDecimals(code), code)
    ).safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
      return z.NEVER;
    }
    return code === undefined ? parsed.data : { ...parsed.data, currency: code };
  });
  // The columns it reads are those of any variant (the reporting currency's, say): see schemaColumns.
  Object.defineProperty(wrapper, ROW_COLUMNS, { value: columnsOf(schemaFor('cents', reporting)) });
  return wrapper as unknown as RowSchema<T & { currency?: string }>;
}

const ROW_COLUMNS = Symbol('row columns');

function columnsOf(schema: unknown): string[] {
  const s = schema as { [ROW_COLUMNS]?: string[]; in?: { shape?: Record<string, unknown> } };
  return s[ROW_COLUMNS] ?? Object.keys(s.in?.shape ?? {});
}

/** The columns an entity schema reads (for checking them against CONTRACT_COLUMNS). */
export function schemaColumns(schema: RowSchema<unknown>): string[] {
  return columnsOf(schema);
}

// ---- entity schemas ----------------------------------------------------------------------

type RowSchema<T> = z.ZodType<T, Record<string, unknown>>;

export function entitySchemas(opts: ContractOptions): { [K in EntityName]: RowSchema<EntityTypes[K]> } {
  const currency = currencyField(opts.currency);
  const rowCurrency = opt(currencyCode());
  const reporting = opts.currency.toUpperCase();

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

  const subscriptions = byRowCurrency(reporting, (unit, code) =>
    z
      .object({
        line_id: req(text()),
        account_id: req(text()),
        product: opt(text()),
        kind: opt(oneOf(SUBSCRIPTION_KINDS)),
        arr: req(amountIn(unit, code)),
        start_date: req(date()),
        end_date: opt(date()),
        seats: opt(int(0)),
        currency: rowCurrency,
      })
      .superRefine((r, ctx) => {
        if (r.end_date !== undefined && r.end_date <= r.start_date) {
          ctx.addIssue({
            code: 'custom',
            path: ['end_date'],
            message: `${r.end_date} must be after start_date ${r.start_date}`,
          });
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
      ),
  );

  const renewals = byRowCurrency(reporting, (unit, code) =>
    z
      .object({
        renewal_id: req(text()),
        account_id: req(text()),
        due_date: req(date()),
        arr_up: req(amountIn(unit, code)),
        status: req(oneOf(RENEWAL_STATUSES)),
        closed_date: opt(date()),
        renewed_arr: opt(amountIn(unit, code)),
        currency: rowCurrency,
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
      ),
  );

  const expansions = byRowCurrency(reporting, (unit, code) =>
    z
      .object({
        opportunity_id: req(text()),
        account_id: req(text()),
        type: req(oneOf(EXPANSION_TYPES)),
        arr: req(amountIn(unit, code)),
        stage: req(oneOf(EXPANSION_STAGES)),
        created_date: opt(date()),
        close_date: opt(date()),
        currency: rowCurrency,
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
      ),
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
        compact({
          responseId: r.response_id,
          accountId: r.account_id,
          date: r.date,
          score: r.score,
          comment: r.comment,
        }),
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

  const fx_rates = z
    .object({
      date: req(date()),
      currency: req(currencyCode()),
      rate: req(rate()),
    })
    .superRefine((r, ctx) => {
      // The reporting currency is never converted; a rate for it other than 1 is a mistake in the data.
      if (r.currency === reporting && !/^0*1(\.0*)?$/.test(r.rate)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rate'],
          message: `${r.rate} for the reporting currency ${reporting} (its rate is always 1)`,
        });
      }
    })
    .transform((r): FxRate => ({ date: r.date, currency: r.currency, rate: r.rate }));

  const targets = z
    .object({
      metric: req(oneOf(TARGET_METRICS)),
      period: req(
        z
          .string({ error: required('a fiscal period (FY2027 or FY2027-Q3)') })
          .transform((p) => p.toUpperCase())
          .refine((p) => FISCAL_PERIOD_PATTERN.test(p), {
            error: (i) => `"${String(i.input)}" is not a fiscal period (FY2027 or FY2027-Q3)`,
          }),
      ),
      value: req(text()),
    })
    .transform((r, ctx): Target => {
      const value = targetValue(r.metric, r.value);
      if (typeof value === 'string') {
        ctx.addIssue({ code: 'custom', path: ['value'], message: value });
        return z.NEVER;
      }
      return { metric: r.metric, period: r.period, value };
    });

  const annotations = z
    .object({
      date: req(date()),
      text: req(text().max(ANNOTATION_MAX_LENGTH, { error: `is longer than ${ANNOTATION_MAX_LENGTH} characters` })),
      metric: opt(oneOf(ANNOTATION_METRICS)),
    })
    .transform((r): Annotation => compact({ date: r.date, text: r.text, metric: r.metric }));

  return {
    accounts,
    subscriptions,
    renewals,
    expansions,
    usage,
    tickets,
    nps,
    spend,
    fx_rates,
    targets,
    annotations,
  } as {
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
  fx_rates: (r) => `${r.date}#${r.currency}`,
  targets: (r) => `${r.metric}#${r.period}`,
  annotations: (r) => `${r.date}#${r.metric ?? ''}#${r.text}`,
};

/** The longest annotation text: a note under a chart, not a document (and a store key fits it: 4 x 200 bytes < 1 KB). */
export const ANNOTATION_MAX_LENGTH = 200;

/**
 * A target's value in its metric's unit: money as cents (arr, net_new_arr: an amount with at most
 * 2 decimals, net new ARR may be negative), a ratio as a fraction (nrr, grr: `1.05` or `105%`,
 * from 0 to 10), a count (logos, new_logos). Returns the reason as text when it is not one.
 */
export function targetValue(metric: TargetMetric, text: string): number | string {
  const unit = TARGET_UNITS[metric];
  if (unit === 'money') {
    const negative = metric === 'net_new_arr' && text.startsWith('-');
    const cents = parseMoney(negative ? text.slice(1) : text);
    if (cents === null)
      return `"${text}" is not an amount for ${metric} (a decimal${metric === 'net_new_arr' ? '' : ' >= 0'} with at most 2 decimals)`;
    return negative ? -cents : cents;
  }
  if (unit === 'ratio') {
    const m = /^(\d{1,4}(?:\.\d{1,6})?)(%?)$/.exec(text);
    const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
    if (!m || v > 10)
      return `"${text}" is not a ratio for ${metric} (a fraction such as 1.05, or a percentage such as 105%, at most 10)`;
    return v;
  }
  if (!/^\d{1,9}$/.test(text)) return `"${text}" is not a whole number >= 0 for ${metric}`;
  return Number(text);
}

/** Drops keys whose value is undefined, so records compare and serialise cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
