// Fast paths for the two entities that make up nine rows in ten of a large load (weekly usage and
// support tickets). The zod schemas in entities.ts stay the contract: a fast path accepts only rows
// whose every field is plainly valid (no trimming, no case folding, no doubt) and builds exactly the
// record the schema would; anything else returns undefined and goes through the schema, which gives
// the error messages. test/unit/contract/fast-rows.test.ts checks both claims on random rows.
import { isIsoDate, startOfWeek, type IsoDate, type IsoWeekday } from '../dates';
import type { Ticket, Usage } from './entities';

/** The columns each fast path reads, in the order of its `at` positions. */
export const FAST_COLUMNS = {
  usage: ['account_id', 'week', 'weekly_active_users', 'licensed_seats'],
  tickets: ['ticket_id', 'account_id', 'opened_date', 'priority', 'closed_date', 'csat'],
} as const;

export type FastEntity = keyof typeof FAST_COLUMNS;

/**
 * A fast path reads a row's cells by position: `values[at[k]]` is its k-th column of FAST_COLUMNS
 * (at[k] = -1: the row has no such column). CSV rows are cell arrays already, so no object is built.
 */
export interface FastPaths {
  usage(values: readonly unknown[], at: Int32Array): Usage | undefined;
  tickets(values: readonly unknown[], at: Int32Array): Ticket | undefined;
}

/** Where each of the entity's fast-path columns is among `columns` (the last one of a repeated name, as a row object would keep). */
export function fastPositions(entity: FastEntity, columns: readonly string[]): Int32Array {
  return Int32Array.from(FAST_COLUMNS[entity], (c) => columns.lastIndexOf(c));
}

const cell = (values: readonly unknown[], at: Int32Array, k: number): unknown => (at[k]! < 0 ? undefined : values[at[k]!]);

const MS_PER_DAY = 86_400_000;

export function fastPaths(weekStartsOn: IsoWeekday): FastPaths {
  // A week's first day as text, once per week (a million rows share a hundred weeks).
  const weekText = new Map<number, IsoDate>();

  const week = (v: unknown): IsoDate | undefined => {
    if (!plainDate(v)) return undefined;
    const day = Date.UTC(digits(v, 0, 4), digits(v, 5, 2) - 1, digits(v, 8, 2)) / MS_PER_DAY;
    const isoWeekday = ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday (4)
    const first = day - ((isoWeekday - weekStartsOn + 7) % 7);
    let text = weekText.get(first);
    if (text === undefined) {
      text = startOfWeek(v, weekStartsOn);
      weekText.set(first, text);
    }
    return text;
  };

  return {
    usage(values, at) {
      const accountId = cell(values, at, 0);
      const w = week(cell(values, at, 1));
      const wau = count(cell(values, at, 2));
      const seats = count(cell(values, at, 3));
      if (!plainText(accountId) || w === undefined || wau === undefined || seats === undefined) return undefined;
      return { accountId, week: w, weeklyActiveUsers: wau, licensedSeats: seats };
    },

    tickets(values, at) {
      const ticketId = cell(values, at, 0);
      const accountId = cell(values, at, 1);
      const openedDate = cell(values, at, 2);
      const priority = cell(values, at, 3);
      if (!plainText(ticketId) || !plainText(accountId) || !plainDate(openedDate)) return undefined;
      if (priority !== 'p1' && priority !== 'p2' && priority !== 'p3' && priority !== 'p4') return undefined;
      const ticket: Ticket = { ticketId, accountId, openedDate, priority };
      const closed = cell(values, at, 4);
      if (closed !== '' && closed !== undefined) {
        if (!plainDate(closed)) return undefined;
        ticket.closedDate = closed;
      }
      const csat = cell(values, at, 5);
      if (csat !== '' && csat !== undefined) {
        if (csat !== '1' && csat !== '2' && csat !== '3' && csat !== '4' && csat !== '5') return undefined;
        ticket.csat = Number(csat);
      }
      return ticket;
    },
  };
}

/** YYYY-MM-DD, a real calendar date (days 29-31 checked against the month), nothing around it. */
function plainDate(v: unknown): v is IsoDate {
  if (typeof v !== 'string' || v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false;
  for (const i of DATE_DIGITS) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const y = digits(v, 0, 4);
  const m = digits(v, 5, 2);
  const d = digits(v, 8, 2);
  if (y < 1000 || m < 1 || m > 12 || d < 1) return false;
  return d <= 28 || isIsoDate(v);
}

const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];

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

/** A whole number >= 0 written as 1 to 15 digits (always a safe integer). */
function count(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > 15) return undefined;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(v);
}
