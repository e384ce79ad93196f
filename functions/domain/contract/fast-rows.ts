// Fast paths for the two entities that make up nine rows in ten of a large load (weekly usage and
// support tickets). The zod schemas in entities.ts stay the contract: a fast path accepts only rows
// whose every field is plainly valid (no trimming, no case folding, no doubt) and builds exactly the
// record the schema would; anything else returns undefined and goes through the schema, which gives
// the error messages. test/unit/contract/fast-rows.test.ts checks both claims on random rows.
import { isIsoDate, startOfWeek, type IsoDate, type IsoWeekday } from '../dates';
import type { Ticket, Usage } from './entities';

export interface FastPaths {
  usage(raw: Record<string, unknown>): Usage | undefined;
  tickets(raw: Record<string, unknown>): Ticket | undefined;
}

/** Caches stay small: dates and ids repeat across rows; the maps are dropped if they grow past this. */
const CACHE_LIMIT = 200_000;

export function fastPaths(weekStartsOn: IsoWeekday): FastPaths {
  const dates = new Map<string, IsoDate | null>();
  const weeks = new Map<string, IsoDate>();
  const ids = new Map<string, string>();

  /** A valid calendar date, the same string each time (so a million rows share a hundred strings). */
  const date = (v: unknown): IsoDate | undefined => {
    if (typeof v !== 'string') return undefined;
    let d = dates.get(v);
    if (d === undefined) {
      if (dates.size > CACHE_LIMIT) dates.clear();
      d = v.length === 10 && isIsoDate(v) ? v : null;
      dates.set(v, d);
    }
    return d ?? undefined;
  };

  const week = (v: unknown): IsoDate | undefined => {
    const d = date(v);
    if (d === undefined) return undefined;
    let w = weeks.get(d);
    if (w === undefined) {
      w = startOfWeek(d, weekStartsOn);
      weeks.set(d, w);
    }
    return w;
  };

  /** An account id: plain text, one shared string per account however many rows name it. */
  const accountId = (v: unknown): string | undefined => {
    if (!plainText(v)) return undefined;
    const seen = ids.get(v);
    if (seen !== undefined) return seen;
    if (ids.size > CACHE_LIMIT) ids.clear();
    ids.set(v, v);
    return v;
  };

  return {
    usage(raw) {
      const account = accountId(raw.account_id);
      const w = week(raw.week);
      const wau = count(raw.weekly_active_users);
      const seats = count(raw.licensed_seats);
      if (account === undefined || w === undefined || wau === undefined || seats === undefined) return undefined;
      return { accountId: account, week: w, weeklyActiveUsers: wau, licensedSeats: seats };
    },

    tickets(raw) {
      const ticketId = raw.ticket_id;
      const account = accountId(raw.account_id);
      const openedDate = date(raw.opened_date);
      const priority = raw.priority;
      if (!plainText(ticketId) || account === undefined || openedDate === undefined) return undefined;
      if (priority !== 'p1' && priority !== 'p2' && priority !== 'p3' && priority !== 'p4') return undefined;
      const ticket: Ticket = { ticketId, accountId: account, openedDate, priority };
      const closed = raw.closed_date;
      if (closed !== '' && closed !== undefined) {
        const d = date(closed);
        if (d === undefined) return undefined;
        ticket.closedDate = d;
      }
      const csat = raw.csat;
      if (csat !== '' && csat !== undefined) {
        if (csat !== '1' && csat !== '2' && csat !== '3' && csat !== '4' && csat !== '5') return undefined;
        ticket.csat = Number(csat);
      }
      return ticket;
    },
  };
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
