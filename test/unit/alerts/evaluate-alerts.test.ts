// The alerts use case with in-memory adapters: routing (an owner never sees another owner's
// accounts), every alert explained, duplicate and concurrent runs send each message once.
import { WORD_JOINER } from '../../../functions/adapters/render/template-kit';
import { describe, expect, it } from 'vitest';
import { InMemoryAlertStateStore, InMemorySendLedger } from '../../../functions/adapters/memory/alerts';
import { createRiskAlertRenderer } from '../../../functions/adapters/render/risk-alerts';
import { evaluateAlerts } from '../../../functions/app/evaluate-alerts';
import type { Account, NpsResponse } from '../../../functions/domain/contract/entities';
import type { Mailer, OutgoingMessage } from '../../../functions/ports/mailer';
import { dataset, line, renewal } from '../kpi/builders';
import { afterAnEarlierRun, overdueRunOptions, RecordingMailer } from './helpers';

const TODAY = '2026-11-23';
const acct = (accountId: string, name: string, ownerEmail?: string): Account => ({
  accountId,
  name,
  ...(ownerEmail ? { ownerEmail } : {}),
});
const detractor = (accountId: string, id: string): NpsResponse => ({
  responseId: id,
  accountId,
  date: '2026-11-20',
  score: 2,
});

// A (owner ann): renewal 12 days overdue -> critical (renewal-overdue configured critical here). B (owner bob): a detractor, renewal in 200
// days -> warning. C (no owner, a name with markup): a detractor -> warning, CCO only.
const data = dataset({
  accounts: [
    acct('A', 'Acme Corp', 'Ann@Northwind.example'),
    acct('B', 'Bravo Ltd', 'bob@northwind.example'),
    acct('C', '<b>Charlie</b> & Co'),
  ],
  subscriptions: [line('A', 84_000, '2024-01-01'), line('B', 12_000, '2024-01-01'), line('C', 5_000, '2024-01-01')],
  renewals: [
    renewal('A', '2026-11-11', 84_000, 'open', undefined, undefined, 'RA'),
    renewal('B', '2027-06-11', 12_000, 'open', undefined, undefined, 'RB'),
  ],
  nps: [detractor('B', 'N1'), detractor('C', 'N2')],
});

/** The in-memory wiring; `fresh`: a first run after install (no alert stored yet). */
async function setup({ fresh = false } = {}) {
  const deps = {
    store: { loadDataset: async () => data },
    alerts: new InMemoryAlertStateStore(),
    ledger: new InMemorySendLedger(),
    mailer: new RecordingMailer(),
    renderer: await createRiskAlertRenderer(),
  };
  if (!fresh) await afterAnEarlierRun(deps.alerts);
  const opts = overdueRunOptions(TODAY);
  return { deps, opts };
}

const to = (m: OutgoingMessage) => m.to.join(',');

describe('evaluate-alerts', () => {
  it('routes: the CCO sees every account, each owner only their own, critical alerts go to the CCO and the owner', async () => {
    const { deps, opts } = await setup();
    const r = await evaluateAlerts(deps, opts);
    expect(r.notices.map((n) => n.alertId).sort()).toEqual([
      'detractor-nps:B',
      'detractor-nps:C',
      'renewal-overdue:A:RA',
    ]);
    const sent = deps.mailer.sent;
    const critical = sent.filter((m) => m.subject.includes('CRITICAL'));
    expect(critical.map(to).sort()).toEqual(['ann@northwind.example', 'cco@northwind.example']);
    const cco = sent.find((m) => to(m) === 'cco@northwind.example' && m.subject.includes('Renewal risk'))!;
    for (const name of ['Acme Corp', 'Bravo Ltd', 'Charlie']) expect(cco.text).toContain(name);
    const ann = sent.find((m) => to(m) === 'ann@northwind.example' && m.subject.includes('Your accounts'))!;
    const bob = sent.find((m) => to(m) === 'bob@northwind.example' && m.subject.includes('Your accounts'))!;
    expect(ann.text).toContain('Acme Corp');
    expect(bob.text).toContain('Bravo Ltd');
    for (const [m, others] of [
      [ann, ['Bravo', 'Charlie']],
      [bob, ['Acme', 'Charlie']],
    ] as const) {
      for (const other of others) {
        expect(m.text).not.toContain(other);
        expect(m.html).not.toContain(other);
      }
    }
    // Nobody else got mail; every digest and critical alert went out exactly once.
    expect(new Set(sent.map(to))).toEqual(
      new Set(['cco@northwind.example', 'ann@northwind.example', 'bob@northwind.example']),
    );
    expect(sent).toHaveLength(5);
  });

  it('explains every alert: signals with values and thresholds, the renewal, the owner and the play', async () => {
    const { deps, opts } = await setup();
    await evaluateAlerts(deps, opts);
    const critical = deps.mailer.sent.find((m) => m.subject.includes('CRITICAL') && to(m) === 'cco@northwind.example')!;
    expect(critical.subject).toBe(
      'Northwind: CRITICAL: Acme Corp - Renewal overdue (renewal of $84,\u2060000 overdue by 12 days)',
    );
    expect(critical.text).toContain('days overdue: 12 days (threshold: at least 0 days)');
    expect(critical.text).toContain('Owner: Ann@Northwind.example'); // as in the account data; routed lower-cased
    expect(critical.text).toContain('Suggested play: Escalate to the CCO');
    const bob = deps.mailer.sent.find((m) => to(m) === 'bob@northwind.example')!;
    // Grouped numbers carry an invisible word joiner in e-mails (keepNumbersTogether): read them without it.
    expect(bob.text.replaceAll(WORD_JOINER, '')).toContain(
      'Why: NPS answer 2/10 (at most 6/10), age of the answer 3 days (below 14 days); renewal of $12,000 due in 200 days',
    );
    expect(bob.text).toContain('Suggested play: Close the loop');
  });

  it('escapes data in the HTML and keeps it verbatim in the text', async () => {
    const { deps, opts } = await setup();
    await evaluateAlerts(deps, opts);
    const cco = deps.mailer.sent.find((m) => to(m) === 'cco@northwind.example' && m.subject.includes('Renewal risk'))!;
    expect(cco.html).toContain('&lt;b&gt;Charlie&lt;/b&gt; &amp; Co');
    expect(cco.html).not.toContain('<b>Charlie</b>');
    expect(cco.text).toContain('<b>Charlie</b> & Co');
  });

  it('a second run the same day sends nothing; the next day only what is new', async () => {
    const { deps, opts } = await setup();
    await evaluateAlerts(deps, opts);
    const again = await evaluateAlerts(deps, { ...opts, now: `${TODAY}T15:00:00.000Z` });
    expect(again.notices).toEqual([]);
    expect(again.sends.every((s) => s.status === 'already-sent')).toBe(true);
    expect(deps.mailer.sent).toHaveLength(5);
    // Next day: no critical resend, the CCO gets a digest with nothing new (3 still open); owners get none.
    const next = await evaluateAlerts(deps, { ...opts, today: '2026-11-24', now: '2026-11-24T12:30:00.000Z' });
    expect(next.sends.filter((s) => s.status === 'sent').map((s) => s.key.kind)).toEqual(['alert-digest:cco']);
    expect(deps.mailer.sent.at(-1)!.subject).toBe('Northwind: Renewal risk 2026-11-24: nothing new; 3 open');
  });

  it('concurrent runs (a duplicated schedule event) send every message once and open every alert once', async () => {
    const { deps, opts } = await setup();
    const results = await Promise.all([
      evaluateAlerts(deps, opts),
      evaluateAlerts(deps, { ...opts, now: `${TODAY}T12:30:00.001Z` }),
      evaluateAlerts(deps, opts),
    ]);
    const keys = deps.mailer.sent.map((m) => `${to(m)}|${m.subject}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(deps.mailer.sent).toHaveLength(5);
    expect(results.flatMap((r) => r.notices).filter((n) => n.kind === 'opened')).toHaveLength(3);
    expect(
      [...deps.alerts.alerts.values()]
        .filter((s) => s.accountId !== 'OLD')
        .every((s) => s.episode === 1 && s.history.filter((t) => t.event === 'opened').length === 1),
    ).toBe(true);
  });

  it('a failed send is released and retried by the next run', async () => {
    const { deps, opts } = await setup();
    let fail = true;
    const inner = deps.mailer;
    const flaky: Mailer = {
      send: async (m) => {
        if (fail && m.subject.includes('CRITICAL')) throw new Error('SES said no');
        return inner.send(m);
      },
    };
    const first = await evaluateAlerts({ ...deps, mailer: flaky }, opts);
    expect(first.sends.filter((s) => s.status === 'failed').length).toBeGreaterThan(0);
    fail = false;
    const second = await evaluateAlerts({ ...deps, mailer: flaky }, { ...opts, now: `${TODAY}T13:00:00.000Z` });
    expect(
      second.sends
        .filter((s) => s.status === 'sent' && s.key.kind === 'alert-critical')
        .map((s) => s.key.recipient)
        .sort(),
    ).toEqual(['ann@northwind.example', 'cco@northwind.example']);
  });

  it('no digest on a non-digest run; critical alerts still go out', async () => {
    const { deps, opts } = await setup();
    const r = await evaluateAlerts(deps, { ...opts, digest: false });
    expect(new Set(r.sends.map((s) => s.key.kind))).toEqual(new Set(['alert-critical']));
  });

  it('the first run after install sends one summary to the CCO instead of a burst of critical alerts', async () => {
    const { deps, opts } = await setup({ fresh: true });
    const r = await evaluateAlerts(deps, { ...opts, digest: false }); // not even a digest day
    expect(r.notices.filter((n) => n.severity === 'critical').map((n) => n.alertId)).toEqual(['renewal-overdue:A:RA']);
    const sent = deps.mailer.sent;
    expect(sent.map(to)).toEqual(['cco@northwind.example']);
    expect(sent[0]!.subject).toBe('Northwind: Renewal risk 2026-11-23: first run, 3 open (1 critical)');
    expect(sent[0]!.text).toContain("This is Pulse's first look at your renewals");
    for (const name of ['Acme Corp', 'Bravo Ltd', 'Charlie']) expect(sent[0]!.text).toContain(name);
    expect(sent[0]!.html).toContain('first look at your renewals');
    // The same day again, and the next day: the held critical alert never goes out on its own.
    const again = await evaluateAlerts(deps, { ...opts, digest: false, now: `${TODAY}T15:00:00.000Z` });
    expect(again.sends).toEqual([]);
    // The next digest day: the CCO's usual digest, and the owners their first (their accounts' news).
    const next = await evaluateAlerts(deps, { ...opts, today: '2026-11-24', now: '2026-11-24T12:30:00.000Z' });
    expect(next.sends.filter((s) => s.status === 'sent').map((s) => `${s.key.kind} ${s.key.recipient}`)).toEqual([
      'alert-digest:cco cco@northwind.example',
      'alert-digest:owner ann@northwind.example',
      'alert-digest:owner bob@northwind.example',
    ]);
    expect(deps.mailer.sent[1]!.subject).toBe('Northwind: Renewal risk 2026-11-24: nothing new; 3 open');
    // From then on a new critical alert goes out at once, to the CCO and the owner.
    const later = await evaluateAlerts(
      {
        ...deps,
        store: {
          loadDataset: async () => ({
            ...data,
            renewals: [...data.renewals, { ...data.renewals[1]!, renewalId: 'RB2', dueDate: '2026-11-20' }],
          }),
        },
      },
      { ...opts, today: '2026-11-25', now: '2026-11-25T12:30:00.000Z', digest: false },
    );
    expect(
      later.sends
        .filter((s) => s.key.kind === 'alert-critical')
        .map((s) => s.key.recipient)
        .sort(),
    ).toEqual(['bob@northwind.example', 'cco@northwind.example']);
  });

  it("retries the first run's summary on the next run when it failed, digest day or not", async () => {
    const { deps, opts } = await setup({ fresh: true });
    let fail = true;
    const inner = deps.mailer;
    const flaky: Mailer = {
      send: async (m) => {
        if (fail) throw new Error('SES said no');
        return inner.send(m);
      },
    };
    const first = await evaluateAlerts({ ...deps, mailer: flaky }, { ...opts, digest: false });
    expect(first.sends.map((s) => s.status)).toEqual(['failed']);
    fail = false;
    const second = await evaluateAlerts(
      { ...deps, mailer: flaky },
      { ...opts, digest: false, now: `${TODAY}T13:00:00.000Z` },
    );
    expect(second.sends.map((s) => `${s.key.kind} ${s.status}`)).toEqual(['alert-digest:cco sent']);
    expect(deps.mailer.sent.map((m) => m.subject)).toEqual([
      'Northwind: Renewal risk 2026-11-23: first run, 3 open (1 critical)',
    ]);
  });
});
