// A small Zendesk account a hand check can follow: four organizations (matched by external id, by
// domain, by nothing, by an ambiguous domain), tickets of every priority and status, a deleted
// ticket, ratings on the ticket and only in the ratings list; and the changes between two syncs.
import { billingDirectory, type BillingDirectory } from '../../../functions/domain/sources/account-identity';
import { FakeZendeskData } from './server';

export const ZENDESK_TZ = 'Europe/Berlin';

/** Billing's accounts and e-mail domains (as the Stripe sync keeps them). */
export const BILLING_DIRECTORY: BillingDirectory = billingDirectory([
  { accountId: 'ACME', domains: ['acme.example'] },
  { accountId: 'GLOBEX', domains: ['ap@globex.example'] },
  { accountId: 'SHARED-1', domains: ['shared.example'] },
  { accountId: 'SHARED-2', domains: ['shared.example'] },
]);

export function zendeskScenario(): FakeZendeskData {
  const data = new FakeZendeskData()
    .organization({ id: 1, name: 'Acme', external_id: 'ACME', domain_names: ['acme.example'] })
    .organization({ id: 2, name: 'Globex', external_id: null, domain_names: ['www.Globex.example'] })
    .organization({ id: 3, name: 'Initech', external_id: null, domain_names: ['initech.example'] })
    .organization({ id: 4, name: 'Shared Co', external_id: null, domain_names: ['shared.example'] });
  const t = (id: number, fields: Partial<Parameters<FakeZendeskData['ticket']>[0]>) =>
    data.ticket({
      id,
      status: 'open',
      priority: 'normal',
      organization_id: 1,
      created_at: '2026-03-01T09:00:00Z',
      updated_at: '2026-03-02T09:00:00Z',
      ...fields,
    });
  t(101, {
    priority: 'urgent',
    status: 'solved',
    created_at: '2026-03-01T23:30:00Z',
    updated_at: '2026-03-04T08:00:00Z',
    solved_at: '2026-03-03T23:10:00Z',
    satisfaction_rating: { id: 9001, score: 'good' },
  });
  t(102, {
    priority: 'high',
    organization_id: 2,
    updated_at: '2026-03-02T10:00:00Z',
    satisfaction_rating: { score: 'unoffered' },
  });
  t(103, {
    priority: 'normal',
    status: 'closed',
    organization_id: 3,
    updated_at: '2026-03-02T11:00:00Z',
    solved_at: '2026-03-02T10:30:00Z',
    satisfaction_rating: null,
  });
  t(104, { priority: 'low', status: 'pending', updated_at: '2026-03-02T12:00:00Z' });
  t(105, { priority: null, organization_id: null, updated_at: '2026-03-02T13:00:00Z' });
  t(106, { status: 'deleted', updated_at: '2026-03-02T14:00:00Z' });
  t(107, { organization_id: 4, updated_at: '2026-03-02T15:00:00Z' });
  data.rating({
    id: 9001,
    ticket_id: 101,
    score: 'good',
    created_at: '2026-03-04T08:00:00Z',
    updated_at: '2026-03-04T08:00:00Z',
  });
  data.rating({
    id: 9003,
    ticket_id: 103,
    score: 'bad',
    created_at: '2026-03-02T11:00:00Z',
    updated_at: '2026-03-02T11:00:00Z',
  });
  return data;
}

/** The tickets the first sync stores, as contract columns. */
export const FIRST_SYNC = {
  '101': {
    ticket_id: '101',
    account_id: 'ACME',
    opened_date: '2026-03-02',
    priority: 'p1',
    closed_date: '2026-03-04',
    csat: '5',
  },
  '102': { ticket_id: '102', account_id: 'GLOBEX', opened_date: '2026-03-01', priority: 'p2' },
  '103': {
    ticket_id: '103',
    account_id: 'zendesk:3',
    opened_date: '2026-03-01',
    priority: 'p3',
    closed_date: '2026-03-02',
    csat: '1',
  },
  '104': { ticket_id: '104', account_id: 'ACME', opened_date: '2026-03-01', priority: 'p4' },
  '105': { ticket_id: '105', account_id: 'zendesk:ticket-105', opened_date: '2026-03-01', priority: 'p3' },
  '107': { ticket_id: '107', account_id: 'zendesk:4', opened_date: '2026-03-01', priority: 'p3' },
} as const;

/**
 * Between the syncs: 102 solved and rated good, 104 deleted, 108 new, 101's rating changed to bad
 * in the ratings list without its ticket being updated (read back with show_many).
 */
export function changeBetweenSyncs(data: FakeZendeskData): void {
  const t102 = data.tickets.get(102)!;
  data.ticket({
    ...t102,
    status: 'solved',
    solved_at: '2026-03-10T09:00:00Z',
    updated_at: '2026-03-10T09:05:00Z',
    satisfaction_rating: { id: 9002, score: 'good' },
  });
  data.rating({
    id: 9002,
    ticket_id: 102,
    score: 'good',
    created_at: '2026-03-10T09:05:00Z',
    updated_at: '2026-03-10T09:05:00Z',
  });
  data.ticket({ ...data.tickets.get(104)!, status: 'deleted', updated_at: '2026-03-10T10:00:00Z' });
  data.ticket({
    id: 108,
    status: 'new',
    priority: 'high',
    organization_id: 2,
    created_at: '2026-03-10T11:00:00Z',
    updated_at: '2026-03-10T11:00:00Z',
  });
  data.ticket({ ...data.tickets.get(101)!, satisfaction_rating: { id: 9001, score: 'bad' } });
  data.rating({
    id: 9001,
    ticket_id: 101,
    score: 'bad',
    created_at: '2026-03-04T08:00:00Z',
    updated_at: '2026-03-10T12:00:00Z',
  });
}

export const SECOND_SYNC = {
  '101': { ...FIRST_SYNC['101'], csat: '1' },
  '102': { ...FIRST_SYNC['102'], closed_date: '2026-03-10', csat: '5' },
  '103': FIRST_SYNC['103'],
  '105': FIRST_SYNC['105'],
  '107': FIRST_SYNC['107'],
  '108': { ticket_id: '108', account_id: 'GLOBEX', opened_date: '2026-03-10', priority: 'p2' },
} as const;
