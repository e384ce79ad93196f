// Fast paths for validating rows. The zod schemas in entities.ts stay the contract: a fast path
// accepts only rows whose every field is plainly valid (no trimming, no case folding, no doubt) and
// builds exactly the record the schema would; anything else returns undefined and goes through the
// schema, which gives the error messages. Measured on 10k accounts: zod takes 5-12 us a row, a fast
// path 0.5-1 us. test/unit/contract/fast-rows.test.ts checks both claims on random rows.
import { isIsoDate, startOfWeek, type IsoDate } from '../dates';
import { currencyDecimals, parseMinorUnits, parseMoney, type Cents } from '../money';
import {
  CONTRACT_COLUMNS,
  EMAIL_PATTERN,
  ENTITY_NAMES,
  EXPANSION_STAGES,
  EXPANSION_TYPES,
  RATE_PATTERN,
  RENEWAL_STATUSES,
  SUBSCRIPTION_KINDS,
  TICKET_PRIORITIES,
  type Account,
  type ContractOptions,
  type EntityName,
  type EntityTypes,
  type Expansion,
  type FxRate,
  type NpsResponse,
  type Renewal,
  type Subscription,
  type Ticket,
  type Usage,
} from './entities';

/** Entities of a few dozen rows a year: the schema alone reads them. */
export type SlowEntity = 'spend' | 'targets' | 'annotations';
export type FastEntity = Exclude<EntityName, SlowEntity>;

const SLOW_ENTITIES: readonly EntityName[] = ['spend', 'targets', 'annotations'] satisfies readonly SlowEntity[];

export const isFastEntity = (e: EntityName): e is FastEntity => !SLOW_ENTITIES.includes(e);

/** Every entity but spend, targets and annotations. */
export const FAST_ENTITIES = ENTITY_NAMES.filter(isFastEntity);

/**
 * A fast path reads a row's cells by position: `values[at[k]]` is its k-th column of CONTRACT_COLUMNS
 * (at[k] = -1: the row has no such column). CSV rows are cell arrays already, so no object is built.
 */
export type FastPaths = {
  [K in FastEntity]: (values: readonly unknown[], at: Int32Array) => EntityTypes[K] | undefined;
};

/** Where each of the entity's fast-path columns is among `columns` (the last one of a repeated name, as a row object would keep). */
export function fastPositions(entity: FastEntity, columns: readonly string[]): Int32Array {
  return Int32Array.from(CONTRACT_COLUMNS[entity], (c) => columns.lastIndexOf(c));
}

/** A cell the fast path cannot vouch for: the row goes to the schema. */
const DOUBT = Symbol('doubt');
type Sure<T> = T | typeof DOUBT;

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil): integer
 * arithmetic, the same day number as `Date.UTC(y, m - 1, d) / 86_400_000` without a Date call per row.
 */
export function daysFromCivil(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * A usage row read straight from its CSV line (`text` from `start` to `end`, a line without
 * quotes, its header exactly the contract's usage columns): the same record the usage fast path
 * builds from the row's cells, or undefined for anything it would not vouch for. No cell strings
 * are cut, only the account id: usage is nine rows in ten of a folder.
 */
export type UsageLinePath = (text: string, start: number, end: number) => Usage | undefined;

/** The same for a ticket row (its header exactly the contract's ticket columns). */
export type TicketLinePath = (text: string, start: number, end: number) => Ticket | undefined;

export function fastPaths(opts: ContractOptions): FastPaths & { usageLine: UsageLinePath; ticketLine: TicketLinePath } {
  // A week's first day as text, once per week (a million rows share a hundred weeks).
  const weekText = new Map<number, IsoDate>();
  const week = (v: unknown): IsoDate | undefined => {
    if (!plainDate(v)) return undefined;
    const day = daysFromCivil(digits(v, 0, 4), digits(v, 5, 2), digits(v, 8, 2));
    const isoWeekday = ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday (4)
    const first = day - ((isoWeekday - opts.weekStartsOn + 7) % 7);
    let text = weekText.get(first);
    if (text === undefined) {
      text = startOfWeek(v, opts.weekStartsOn);
      weekText.set(first, text);
    }
    return text;
  };
  // The week of each date written as NNNN-NN-NN (keyed by its eight digits), or null when that is
  // no plain date: a usage file repeats a few hundred dates, each checked once.
  const weekOfDate = new Map<number, IsoDate | null>();
  /** week() of the ten characters of `text` from `at`, read in place. */
  const weekAt = (text: string, at: number): IsoDate | undefined => {
    const key = dateKey(text, at);
    if (key < 0) return undefined;
    let w = weekOfDate.get(key);
    if (w === undefined) {
      if (weekOfDate.size >= 100_000) weekOfDate.clear(); // a file of that many dates is no usage file
      w = week(text.slice(at, at + 10)) ?? null;
      weekOfDate.set(key, w);
    }
    return w ?? undefined;
  };
  const reporting = opts.currency.toUpperCase();
  /**
   * A row's currency: null for the reporting currency (blank or the code as configured), the code
   * for another currency written in upper case; anything else (lower case, padding) to the schema.
   */
  const rowCurrency = (v: unknown): Sure<string | null> => {
    if (absent(v) || v === opts.currency || v === reporting) return null;
    return typeof v === 'string' && upperCode(v) ? v : DOUBT;
  };
  /** Money in the row's currency: cents for the reporting currency, minor units for another. */
  const amount = (v: unknown, cur: string | null): Sure<number> => {
    if (cur === null) return money(v);
    if (!plainText(v)) return DOUBT;
    return parseMinorUnits(v, currencyDecimals(cur)) ?? DOUBT;
  };
  const optAmount = (v: unknown, cur: string | null): Sure<number | undefined> =>
    absent(v) ? undefined : amount(v, cur);

  // Dates and account ids recur from row to row: a kept record points at one copy rather than its
  // own (a million ticket rows hold a few thousand dates), so fewer objects for the collector to
  // move. Each distinct date (by its eight digits) is checked once: its string, or null for no date.
  const dates = new Map<number, IsoDate | null>();
  /** date() of `text` from `from` to `to`, read in place (cut only the first time a date is seen). */
  const dateIn = (text: string, from: number, to: number): Sure<IsoDate> => {
    if (to - from !== 10) return DOUBT;
    const key = dateKey(text, from);
    if (key < 0) return DOUBT;
    let d = dates.get(key);
    if (d === undefined) {
      if (dates.size >= 100_000) dates.clear();
      const v = text.slice(from, to);
      d = plainDate(v) ? v : null;
      dates.set(key, d);
    }
    return d ?? DOUBT;
  };
  const date = (v: unknown): Sure<IsoDate> => (typeof v === 'string' ? dateIn(v, 0, v.length) : DOUBT);
  const optDate = (v: unknown): Sure<IsoDate | undefined> => (absent(v) ? undefined : date(v));

  // Where each cell of a line ends (its comma, or the line's end), reused line after line.
  const cellEnds = new Int32Array(8);
  let lastId = '';
  /** The previous row's account id when this row's is the same (rows come grouped by account). */
  const account = (id: string): string => (id === lastId ? lastId : (lastId = id));
  /** account() of the id at text[from, to), cut only when it differs from the last one. */
  const accountIn = (text: string, from: number, to: number): string =>
    sameText(text, from, to, lastId) ? lastId : (lastId = text.slice(from, to));

  return {
    usageLine(text, start, end) {
      // account_id: up to the first comma, nothing to trim at either end.
      const accountEnd = text.indexOf(',', start);
      if (accountEnd <= start || accountEnd >= end) return undefined;
      if (!plainEnd(text.charCodeAt(start)) || !plainEnd(text.charCodeAt(accountEnd - 1))) return undefined;
      // week: ten characters, then a comma.
      const weekEnd = accountEnd + 11;
      if (weekEnd >= end || text.charCodeAt(weekEnd) !== 44) return undefined;
      const w = weekAt(text, accountEnd + 1);
      if (w === undefined) return undefined;
      const activeEnd = text.indexOf(',', weekEnd + 1);
      if (activeEnd === -1 || activeEnd >= end) return undefined;
      const wau = countAt(text, weekEnd + 1, activeEnd);
      const seats = countAt(text, activeEnd + 1, end);
      if (wau < 0 || seats < 0) return undefined;
      const r: Usage = {
        accountId: accountIn(text, start, accountEnd),
        week: w,
        weeklyActiveUsers: wau,
        licensedSeats: seats,
      };
      return r;
    },

    ticketLine(text, start, end) {
      if (!splitInto(text, start, end, 6, cellEnds)) return undefined;
      const idEnd = cellEnds[0]!;
      const accountEnd = cellEnds[1]!;
      const openedEnd = cellEnds[2]!;
      const priorityEnd = cellEnds[3]!;
      const closedEnd = cellEnds[4]!;
      if (!plainIn(text, start, idEnd) || !plainIn(text, idEnd + 1, accountEnd)) return undefined;
      const openedDate = dateIn(text, accountEnd + 1, openedEnd);
      if (openedDate === DOUBT) return undefined;
      const priority = memberIn(text, openedEnd + 1, priorityEnd, TICKET_PRIORITIES);
      if (priority === undefined) return undefined;
      const closedDate = closedEnd === priorityEnd + 1 ? undefined : dateIn(text, priorityEnd + 1, closedEnd);
      if (closedDate === DOUBT) return undefined;
      let csat: number | undefined;
      if (end > closedEnd + 1) {
        csat = countAt(text, closedEnd + 1, end);
        if (csat < 1 || csat > 5) return undefined;
      }
      const r: Ticket = {
        ticketId: text.slice(start, idEnd),
        accountId: accountIn(text, idEnd + 1, accountEnd),
        openedDate,
        priority,
      };
      if (closedDate !== undefined) r.closedDate = closedDate;
      if (csat !== undefined) r.csat = csat;
      return r;
    },

    accounts(values, at) {
      const accountId = text(cell(values, at, 0));
      const name = text(cell(values, at, 1));
      const segment = optText(cell(values, at, 2));
      const ownerEmail = optText(cell(values, at, 3));
      const region = optText(cell(values, at, 4));
      const createdDate = optDate(cell(values, at, 5));
      if (
        accountId === DOUBT ||
        name === DOUBT ||
        segment === DOUBT ||
        ownerEmail === DOUBT ||
        region === DOUBT ||
        createdDate === DOUBT
      )
        return undefined;
      if (ownerEmail !== undefined && !EMAIL_PATTERN.test(ownerEmail)) return undefined;
      const r: Account = { accountId, name };
      if (segment !== undefined) r.segment = segment;
      if (ownerEmail !== undefined) r.ownerEmail = ownerEmail;
      if (region !== undefined) r.region = region;
      if (createdDate !== undefined) r.createdDate = createdDate;
      return r;
    },

    subscriptions(values, at) {
      const lineId = text(cell(values, at, 0));
      const accountId = text(cell(values, at, 1));
      const product = optText(cell(values, at, 2));
      const kind = optMember(cell(values, at, 3), SUBSCRIPTION_KINDS);
      const cur = rowCurrency(cell(values, at, 8));
      if (cur === DOUBT) return undefined;
      const arr = amount(cell(values, at, 4), cur);
      const startDate = date(cell(values, at, 5));
      const endDate = optDate(cell(values, at, 6));
      const seats = optCount(cell(values, at, 7));
      if (
        lineId === DOUBT ||
        accountId === DOUBT ||
        product === DOUBT ||
        kind === DOUBT ||
        arr === DOUBT ||
        startDate === DOUBT ||
        endDate === DOUBT ||
        seats === DOUBT
      )
        return undefined;
      if (endDate !== undefined && endDate <= startDate) return undefined;
      // Keys in the schema's order (product, when present, comes before kind).
      const r: Subscription =
        product === undefined
          ? { lineId, accountId: account(accountId), kind: kind ?? 'recurring', arr, startDate: startDate }
          : {
              lineId,
              accountId: account(accountId),
              product,
              kind: kind ?? 'recurring',
              arr,
              startDate: startDate,
            };
      if (endDate !== undefined) r.endDate = endDate;
      if (seats !== undefined) r.seats = seats;
      if (cur !== null) r.currency = cur;
      return r;
    },

    renewals(values, at) {
      const renewalId = text(cell(values, at, 0));
      const accountId = text(cell(values, at, 1));
      const dueDate = date(cell(values, at, 2));
      const cur = rowCurrency(cell(values, at, 7));
      if (cur === DOUBT) return undefined;
      const arrUp = amount(cell(values, at, 3), cur);
      const status = member(cell(values, at, 4), RENEWAL_STATUSES);
      const closedDate = optDate(cell(values, at, 5));
      const renewedArr = optAmount(cell(values, at, 6), cur);
      if (
        renewalId === DOUBT ||
        accountId === DOUBT ||
        dueDate === DOUBT ||
        arrUp === DOUBT ||
        status === DOUBT ||
        closedDate === DOUBT ||
        renewedArr === DOUBT
      )
        return undefined;
      if ((status !== 'open' && closedDate === undefined) || (status === 'renewed' && renewedArr === undefined))
        return undefined;
      const r: Renewal = { renewalId, accountId: account(accountId), dueDate: dueDate, arrUp, status };
      if (closedDate !== undefined) r.closedDate = closedDate;
      if (renewedArr !== undefined) r.renewedArr = renewedArr;
      if (cur !== null) r.currency = cur;
      return r;
    },

    expansions(values, at) {
      const opportunityId = text(cell(values, at, 0));
      const accountId = text(cell(values, at, 1));
      const type = member(cell(values, at, 2), EXPANSION_TYPES);
      const cur = rowCurrency(cell(values, at, 7));
      if (cur === DOUBT) return undefined;
      const arr = amount(cell(values, at, 3), cur);
      const stage = member(cell(values, at, 4), EXPANSION_STAGES);
      const createdDate = optDate(cell(values, at, 5));
      const closeDate = optDate(cell(values, at, 6));
      if (
        opportunityId === DOUBT ||
        accountId === DOUBT ||
        type === DOUBT ||
        arr === DOUBT ||
        stage === DOUBT ||
        createdDate === DOUBT ||
        closeDate === DOUBT
      )
        return undefined;
      const r: Expansion = { opportunityId, accountId: account(accountId), type, arr, stage };
      if (createdDate !== undefined) r.createdDate = createdDate;
      if (closeDate !== undefined) r.closeDate = closeDate;
      if (cur !== null) r.currency = cur;
      return r;
    },

    fx_rates(values, at) {
      const d = date(cell(values, at, 0));
      const currency = cell(values, at, 1);
      const rate = cell(values, at, 2);
      // The reporting currency's own row goes to the schema (which checks its rate is 1).
      if (d === DOUBT || typeof currency !== 'string' || !upperCode(currency) || currency === reporting)
        return undefined;
      if (typeof rate !== 'string' || !RATE_PATTERN.test(rate) || !/[1-9]/.test(rate)) return undefined;
      const r: FxRate = { date: d, currency, rate };
      return r;
    },

    usage(values, at) {
      const accountId = cell(values, at, 0);
      const w = week(cell(values, at, 1));
      const wau = count(cell(values, at, 2));
      const seats = count(cell(values, at, 3));
      if (!plainText(accountId) || w === undefined || wau === undefined || seats === undefined) return undefined;
      const r: Usage = { accountId, week: w, weeklyActiveUsers: wau, licensedSeats: seats };
      return r;
    },

    tickets(values, at) {
      const ticketId = text(cell(values, at, 0));
      const accountId = text(cell(values, at, 1));
      const openedDate = date(cell(values, at, 2));
      const priority = member(cell(values, at, 3), TICKET_PRIORITIES);
      const closedDate = optDate(cell(values, at, 4));
      const csat = optCount(cell(values, at, 5));
      if (
        ticketId === DOUBT ||
        accountId === DOUBT ||
        openedDate === DOUBT ||
        priority === DOUBT ||
        closedDate === DOUBT ||
        csat === DOUBT
      )
        return undefined;
      if (csat !== undefined && (csat < 1 || csat > 5)) return undefined;
      const r: Ticket = { ticketId, accountId: account(accountId), openedDate: openedDate, priority };
      if (closedDate !== undefined) r.closedDate = closedDate;
      if (csat !== undefined) r.csat = csat;
      return r;
    },

    nps(values, at) {
      const responseId = text(cell(values, at, 0));
      const accountId = text(cell(values, at, 1));
      const d = date(cell(values, at, 2));
      const score = count(cell(values, at, 3));
      const comment = optText(cell(values, at, 4));
      if (
        responseId === DOUBT ||
        accountId === DOUBT ||
        d === DOUBT ||
        score === undefined ||
        score > 10 ||
        comment === DOUBT
      )
        return undefined;
      const r: NpsResponse = { responseId, accountId: account(accountId), date: d, score };
      if (comment !== undefined) r.comment = comment;
      return r;
    },
  };
}

const cell = (values: readonly unknown[], at: Int32Array, k: number): unknown =>
  at[k]! < 0 ? undefined : values[at[k]!];

/** A blank cell: the schema reads it as "absent" (whitespace-only cells are left to the schema). */
const absent = (v: unknown): v is undefined | '' => v === undefined || v === '';

const text = (v: unknown): Sure<string> => (plainText(v) ? v : DOUBT);
const optText = (v: unknown): Sure<string | undefined> => (absent(v) ? undefined : text(v));
const optCount = (v: unknown): Sure<number | undefined> => (absent(v) ? undefined : (count(v) ?? DOUBT));

function money(v: unknown): Sure<Cents> {
  if (!plainText(v)) return DOUBT;
  const cents = plainCents(v);
  if (cents >= 0) return cents;
  return parseMoney(v) ?? DOUBT;
}

/**
 * parseMoney of 1 to 13 digits, optionally a point and one or two digits (`408600.00`): the cents
 * counted digit by digit, exact (under 10^15); -1 for anything else, which parseMoney reads.
 */
function plainCents(v: string): number {
  const n = v.length;
  let whole = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return -1;
    whole = whole * 10 + (c - 48);
  }
  if (i === 0 || i > 13) return -1;
  if (i === n) return whole * 100;
  const decimals = n - i - 1;
  if (decimals < 1 || decimals > 2) return -1;
  const tens = v.charCodeAt(i + 1) - 48;
  const units = decimals === 2 ? v.charCodeAt(i + 2) - 48 : 0;
  if (tens < 0 || tens > 9 || units < 0 || units > 9) return -1;
  return whole * 100 + tens * 10 + units;
}

/** Three upper-case ASCII letters (a currency code as the schema normalises it). */
function upperCode(v: string): boolean {
  if (v.length !== 3) return false;
  for (let i = 0; i < 3; i++) {
    const c = v.charCodeAt(i);
    if (c < 65 || c > 90) return false;
  }
  return true;
}

/** Exactly one of `values` (the schema also takes other cases and folds them). */
function member<T extends string>(v: unknown, values: readonly T[]): Sure<T> {
  // The list's own string (equal to the cell): a kept record holds no copy of it.
  const i = typeof v === 'string' ? (values as readonly string[]).indexOf(v) : -1;
  return i >= 0 ? values[i]! : DOUBT;
}

const optMember = <T extends string>(v: unknown, values: readonly T[]): Sure<T | undefined> =>
  absent(v) ? undefined : member(v, values);

/** YYYY-MM-DD, a real calendar date (days 29-31 checked against the month), nothing around it. */
function plainDate(v: unknown): v is IsoDate {
  if (typeof v !== 'string' || v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false;
  if (
    !isDigit(v, 0) ||
    !isDigit(v, 1) ||
    !isDigit(v, 2) ||
    !isDigit(v, 3) ||
    !isDigit(v, 5) ||
    !isDigit(v, 6) ||
    !isDigit(v, 8) ||
    !isDigit(v, 9)
  )
    return false;
  const y = digits(v, 0, 4);
  const m = digits(v, 5, 2);
  const d = digits(v, 8, 2);
  if (y < 1000 || m < 1 || m > 12 || d < 1) return false;
  return d <= 28 || isIsoDate(v);
}

/** The eight digits of NNNN-NN-NN at `text[at]` as one number (unique to the text), or -1. */
function dateKey(text: string, at: number): number {
  let key = 0;
  for (let i = 0; i < 10; i++) {
    const c = text.charCodeAt(at + i);
    if (i === 4 || i === 7) {
      if (c !== 45) return -1;
    } else if (c >= 48 && c <= 57) key = key * 10 + (c - 48);
    else return -1;
  }
  return key;
}

function isDigit(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** The number written by `length` ASCII digits at `from` (already checked to be digits). */
function digits(text: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/** Text that needs no trimming: printable ASCII other than a space at both ends. */
function plainText(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && plainEnd(v.charCodeAt(0)) && plainEnd(v.charCodeAt(v.length - 1));
}

function plainEnd(code: number): boolean {
  return code > 32 && code < 127;
}

/**
 * The ends of the `cells` comma-separated cells of `text` from `start` to `end` into `ends` (the
 * last one is `end`); false when the line has another number of cells.
 */
function splitInto(text: string, start: number, end: number, cells: number, ends: Int32Array): boolean {
  let from = start;
  for (let k = 0; k < cells - 1; k++) {
    const comma = text.indexOf(',', from);
    if (comma === -1 || comma >= end) return false;
    ends[k] = comma;
    from = comma + 1;
  }
  const extra = text.indexOf(',', from);
  if (extra !== -1 && extra < end) return false;
  ends[cells - 1] = end;
  return true;
}

/** plainText() of `text` from `from` to `to`, read in place. */
function plainIn(text: string, from: number, to: number): boolean {
  return to > from && plainEnd(text.charCodeAt(from)) && plainEnd(text.charCodeAt(to - 1));
}

/** member() of `text` from `from` to `to`, read in place: the list's own string, or undefined. */
function memberIn<T extends string>(text: string, from: number, to: number, values: readonly T[]): T | undefined {
  for (const v of values) if (sameText(text, from, to, v)) return v;
  return undefined;
}

/** `text` from `from` to `to` is `other` (compared from the end: ids of a file differ there). */
function sameText(text: string, from: number, to: number, other: string): boolean {
  if (to - from !== other.length) return false;
  for (let i = other.length - 1; i >= 0; i--) if (text.charCodeAt(from + i) !== other.charCodeAt(i)) return false;
  return true;
}

/** count() of the text from `from` to `to`, without cutting it out; -1 where count() gives undefined. */
function countAt(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** A whole number >= 0 written as 1 to 15 digits (always a safe integer). */
function count(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > 15) return undefined;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(v);
}
