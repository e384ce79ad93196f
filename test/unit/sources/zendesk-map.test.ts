// Every Zendesk mapping rule on its own: priority, rating, solve date, local dates.
import { describe, expect, it } from 'vitest';
import {
  csatOf,
  RATING_SCALE,
  ticketPriority,
  ticketRow,
  type ZendeskTicket,
} from '../../../functions/adapters/sources/zendesk/map';
import { LocalDateOfInstant } from '../../../functions/domain/dates';

const berlin = new LocalDateOfInstant('Europe/Berlin');
const ticket = (t: Partial<ZendeskTicket> = {}): ZendeskTicket => ({
  id: 7,
  created_at: '2026-03-01T23:30:00Z',
  updated_at: '2026-03-05T10:00:00Z',
  status: 'open',
  priority: 'normal',
  organization_id: 1,
  ...t,
});

describe('Zendesk priority', () => {
  it.each([
    ['urgent', 'p1'],
    ['high', 'p2'],
    ['normal', 'p3'],
    ['low', 'p4'],
    [null, 'p3'],
    [undefined, 'p3'],
    ['', 'p3'],
    ['URGENT', 'p1'],
    ['critical', 'p3'],
  ])('%s -> %s', (priority, expected) => {
    expect(ticketPriority(priority)).toBe(expected);
  });
});

describe('Zendesk satisfaction rating on the 1..5 scale', () => {
  it.each([
    ['good', RATING_SCALE.good],
    ['good_with_comment', 5],
    ['bad', RATING_SCALE.bad],
    ['bad_with_comment', 1],
    ['offered', undefined],
    ['unoffered', undefined],
    [null, undefined],
    [4, 4],
    ['3', 3],
    [0, undefined],
    [6, undefined],
  ])('%s -> %s', (score, expected) => {
    expect(csatOf(score as string | number | null)).toBe(expected);
  });

  it('good is 5 and bad is 1', () => {
    expect(RATING_SCALE).toEqual({ good: 5, bad: 1 });
  });
});

describe('ticketRow', () => {
  it('opens on the local creation date; open tickets have no closed date', () => {
    expect(ticketRow(ticket(), 'ACME', undefined, undefined, berlin)).toEqual({
      ticket_id: '7',
      account_id: 'ACME',
      opened_date: '2026-03-02',
      priority: 'p3',
    });
  });

  it('closes a solved or closed ticket on the metric set solved_at, local date', () => {
    const metrics = { ticket_id: 7, solved_at: '2026-03-03T23:10:00Z' };
    expect(ticketRow(ticket({ status: 'solved' }), 'A', metrics, undefined, berlin).closed_date).toBe('2026-03-04');
    expect(ticketRow(ticket({ status: 'closed' }), 'A', metrics, undefined, berlin).closed_date).toBe('2026-03-04');
  });

  it('falls back to the last update for a solved ticket without solved_at', () => {
    expect(
      ticketRow(ticket({ status: 'solved' }), 'A', { ticket_id: 7, solved_at: null }, undefined, berlin).closed_date,
    ).toBe('2026-03-05');
  });

  it.each(['new', 'open', 'pending', 'hold'])(
    'a %s ticket is open even with a solved_at from before a reopen',
    (status) => {
      expect(
        ticketRow(ticket({ status }), 'A', { ticket_id: 7, solved_at: '2026-03-03T10:00:00Z' }, undefined, berlin)
          .closed_date,
      ).toBeUndefined();
    },
  );

  it("takes the ticket's own rating first, the listed one only when the ticket carries none", () => {
    expect(ticketRow(ticket({ satisfaction_rating: { score: 'bad' } }), 'A', undefined, 'good', berlin).csat).toBe(1);
    expect(
      ticketRow(ticket({ satisfaction_rating: { score: 'offered' } }), 'A', undefined, 'good', berlin).csat,
    ).toBeUndefined();
    expect(ticketRow(ticket({ satisfaction_rating: null }), 'A', undefined, 'good', berlin).csat).toBe(5);
    expect(ticketRow(ticket(), 'A', undefined, undefined, berlin).csat).toBeUndefined();
  });
});
