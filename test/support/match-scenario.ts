// The account-match fixture: billing (a fake Stripe) has five customers, the CRM (contract files)
// knows two of them and one of its own, and the help desk (a fake Zendesk) has tickets of the
// two known customers (one by external id, one by domain) and of two organizations nobody knows.
// Expected: 3 billing customers missing from the CRM, 1 CRM account missing from billing, and
// exactly 2 tickets that name no account.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customer } from './fake-stripe/builders';
import { MemoryStripeStore } from './fake-stripe/store';
import { FakeZendeskData } from './fake-zendesk/server';

export const MATCH_TZ = 'UTC';

export function matchStripe(): MemoryStripeStore {
  const c = (id: string, email: string, account?: string) =>
    customer({
      id,
      email,
      name: id,
      created: Date.parse('2025-01-01T00:00:00Z') / 1000,
      metadata: account ? { pulse_account_id: account } : {},
    });
  return new MemoryStripeStore({
    customers: [
      c('cus_acme', 'ap@acme.example', 'ACME'),
      c('cus_globex', 'billing@globex.example', 'GLOBEX'),
      c('cus_hooli', 'finance@hooli.example', 'HOOLI'),
      c('cus_umbrella', 'ops@umbrella.example', 'UMBRELLA'),
      // No account metadata: the Stripe customer id is the account id.
      c('cus_stark', 'pay@stark.example'),
    ],
  });
}

/** A folder with the CRM's accounts.csv. */
export function matchCrmFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-match-crm-'));
  writeFileSync(
    join(dir, 'accounts.csv'),
    'account_id,name,owner_email\nACME,Acme,dana@northwind.example\nGLOBEX,Globex,li@northwind.example\nWAYNE,Wayne,li@northwind.example\n',
  );
  return dir;
}

export function matchZendesk(): FakeZendeskData {
  const data = new FakeZendeskData()
    .organization({ id: 1, name: 'Acme', external_id: 'ACME', domain_names: [] })
    // Matched by its domain against billing's e-mail domains.
    .organization({ id: 2, name: 'Globex', external_id: null, domain_names: ['globex.example'] })
    .organization({ id: 3, name: 'Initech', external_id: null, domain_names: ['initech.example'] })
    .organization({ id: 4, name: 'Vandelay', external_id: null, domain_names: ['vandelay.example'] });
  const t = (id: number, org: number) =>
    data.ticket({
      id,
      status: 'open',
      priority: 'normal',
      organization_id: org,
      created_at: '2026-03-01T09:00:00Z',
      updated_at: `2026-03-02T09:00:${String(id % 60).padStart(2, '0')}Z`,
    });
  t(11, 1);
  t(12, 1);
  t(21, 2);
  t(31, 3);
  t(41, 4);
  return data;
}

export const MATCH_EXPECTED = {
  billingNotInCrm: ['cus_stark', 'HOOLI', 'UMBRELLA'],
  crmNotInBilling: ['WAYNE'],
  unmatchedTickets: [
    { entity: 'tickets', id: '31', accountId: 'zendesk:3' },
    { entity: 'tickets', id: '41', accountId: 'zendesk:4' },
  ],
};
