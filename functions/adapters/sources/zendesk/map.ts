// Zendesk Support records as the data contract's tickets: the documented rules, one function each,
// so a test can hold every rule (docs/sources-zendesk.md).
import type { LocalDateOfInstant } from '../../../domain/dates';
import type { Ticket } from '../../../domain/contract/entities';

/** A ticket as the incremental export gives it (the fields Pulse reads). */
export interface ZendeskTicket {
  id: number;
  created_at: string;
  updated_at: string;
  status: string;
  priority?: string | null;
  organization_id?: number | null;
  satisfaction_rating?: { score?: string | number | null } | null;
}

/** A ticket's metric set (the `metric_sets` sideload): `solved_at`, which the ticket lacks. */
export interface ZendeskMetricSet {
  ticket_id: number;
  solved_at?: string | null;
}

export interface ZendeskOrganization {
  id: number;
  name?: string | null;
  external_id?: string | null;
  domain_names?: string[] | null;
  organization_fields?: Record<string, unknown> | null;
}

export interface ZendeskRating {
  id: number;
  ticket_id: number;
  score: string | number;
  updated_at: string;
}

/** urgent -> p1, high -> p2, normal -> p3, low -> p4; no priority (or an unknown one) -> p3. */
export function ticketPriority(priority: string | null | undefined): Ticket['priority'] {
  switch ((priority ?? '').trim().toLowerCase()) {
    case 'urgent':
      return 'p1';
    case 'high':
      return 'p2';
    case 'low':
      return 'p4';
    default:
      return 'p3';
  }
}

/** The 1..5 value of Zendesk's two-point rating: good = 5, bad = 1. */
export const RATING_SCALE = { good: 5, bad: 1 } as const;

/**
 * `good` (also `good_with_comment`) -> 5, `bad` (`bad_with_comment`) -> 1; a rating already on a
 * 1..5 scale stays; `offered`, `unoffered` and anything else is no rating.
 */
export function csatOf(score: string | number | null | undefined): number | undefined {
  if (typeof score === 'number') return Number.isInteger(score) && score >= 1 && score <= 5 ? score : undefined;
  const s = (score ?? '').trim().toLowerCase();
  if (s === 'good' || s === 'good_with_comment') return RATING_SCALE.good;
  if (s === 'bad' || s === 'bad_with_comment') return RATING_SCALE.bad;
  return /^[1-5]$/.test(s) ? Number(s) : undefined;
}

/** Solved and closed tickets are closed; every other status (new, open, pending, hold) is open. */
export const CLOSED_STATUSES: ReadonlySet<string> = new Set(['solved', 'closed']);

const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/**
 * The contract's ticket: opened on its creation date, closed on its solve date (the metric set's
 * `solved_at`; the last update when a solved ticket has none), the rating on the 1..5 scale.
 */
export function ticketRow(
  t: ZendeskTicket,
  accountId: string,
  metrics: ZendeskMetricSet | undefined,
  listedRating: string | number | undefined,
  dates: LocalDateOfInstant,
): Record<string, string | number> {
  const row: Record<string, string | number> = {
    ticket_id: String(t.id),
    account_id: accountId,
    opened_date: dates.date(epochSeconds(t.created_at)),
    priority: ticketPriority(t.priority),
  };
  if (CLOSED_STATUSES.has(t.status)) {
    const solvedAt = metrics?.solved_at ?? t.updated_at;
    row.closed_date = dates.date(epochSeconds(solvedAt));
  }
  // The ticket's own rating is its current one; the ratings list only fills in when the export carries none.
  const csat = t.satisfaction_rating ? csatOf(t.satisfaction_rating.score) : csatOf(listedRating);
  if (csat !== undefined) row.csat = csat;
  return row;
}
