// Stripe as a contract source, on the official `stripe` client: customers -> accounts, invoices
// and subscriptions -> subscription lines by the revenue rules (functions/domain/billing).
//
// A full sync reads every customer, then customer by customer their invoices (all line items)
// and subscriptions, and hands over each customer's lines whole. A daily sync reads the events
// since the last sync (minus an overlap) and the invoices created since, and recomputes only the
// customers they touch. Both replace the whole set of lines of a recomputed customer: a line id
// it no longer produces is deleted (the ids a customer produced are remembered in sync state,
// written before its rows so a crash never leaves an unrecorded line behind).
//
// State (sync state of the source): `hwm` = Unix seconds the last complete sync started,
// `backfill` = where a full sync that ran out of time continues, `lines:<customer>` = line ids,
// `domains:<customer>` = the customer's account and e-mail domain, for the other sources' account
// identity (functions/adapters/sources/account-directory.ts).
import Stripe from 'stripe';
import { accountOf, linesOfCustomer } from '../../../domain/billing/contract-lines';
import type { BillingPrice, BillingSettings, BillingSubscription, ContractRow } from '../../../domain/billing/types';
import { LocalDateOfInstant } from '../../../domain/dates';
import type { StripeSourceDefinition } from '../../../domain/sources/registry';
import type { ContractSource, FileOutcome, SourceFile, SourceRow } from '../../../ports/source';
import type { SyncStateStore } from '../../../ports/sync-state';
import { accountDomainsKey } from '../account-directory';
import { toBillingCustomer, toBillingInvoice, toBillingPrice, toBillingSubscription } from './map';
import { SourceError } from '../../../ports/source-error';
import { StripeRequester, type RequestPolicy } from './requester';

/** Stripe keeps events for 30 days; a daily sync whose window reaches further back is a full sync. */
const EVENT_RETENTION_SECONDS = 30 * 86_400;
/** Invoices whose line items count (others are read without their extra line pages). */
const COUNTED_STATUSES: ReadonlySet<string> = new Set(['paid', 'open']);
const PAGE = 100;
const TEST_MODE_READS_PER_SECOND = 20;

export const STRIPE_STATE = {
  hwm: 'hwm',
  backfill: 'backfill',
  lines: (customer: string) => `lines:${customer}`,
} as const;

export interface StripeSourceOptions {
  definition: StripeSourceDefinition;
  timeZone: string;
  /** The API key and where it came from (for messages); undefined = none configured. */
  apiKey: () => Promise<{ key: string; from: string } | undefined>;
  /** Where the sync remembers its progress; without it every run is a full sync that deletes nothing (an export). */
  syncState?: SyncStateStore;
  /** Ignore the high-water mark and any backfill checkpoint: read all history. */
  full?: boolean;
  /** Milliseconds this invocation has left (Lambda); a full sync checkpoints before it runs out. */
  remainingMs?: () => number;
  /** Stop starting new customers when fewer ms than this are left (default 60 s). */
  stopWithMsLeft?: number;
  /** Test hooks. */
  now?: () => number;
  sleep?: RequestPolicy['sleep'];
  random?: RequestPolicy['random'];
}

interface SyncPlan {
  mode: 'full' | 'incremental';
  /** Unix seconds this sync covers up to (the next sync's high-water mark). */
  startedAt: number;
  /** Full: the customer after which this invocation continues a backfill. */
  after?: string;
  /** Incremental: the customers touched since the last sync. */
  touched?: string[];
  /** Why a daily sync became a full one, for the run log. */
  note?: string;
}

interface Session {
  client: Stripe;
  requester: StripeRequester;
  prices: Map<string, BillingPrice>;
  plan: SyncPlan;
  customers: Map<string, Stripe.Customer | Stripe.DeletedCustomer>;
  /** Full sync: every subscription, by customer. */
  subscriptionsByCustomer?: Map<string, BillingSubscription[]>;
  /** Was anything synced before (else there are no line sets to read)? */
  hasHistory: boolean;
  /** Customers whose line set shrank: their exact set is written once the rows are stored. */
  shrunk: Map<string, string[]>;
  lastCustomer?: string;
  stoppedEarly: boolean;
  /** Customers whose account and e-mail domain were recorded in this run. */
  domainsKept: Set<string>;
}

export class StripeSource implements ContractSource {
  readonly description: string;
  private readonly def: StripeSourceDefinition;
  private readonly settings: BillingSettings;
  private readonly dates: LocalDateOfInstant;
  private readonly now: () => number;
  private session?: Session;

  constructor(private readonly opts: StripeSourceOptions) {
    this.def = opts.definition;
    this.description = `stripe ${this.def.name} ${this.def.stripe.apiBase}`;
    this.settings = {
      timeZone: opts.timeZone,
      accountIdKey: this.def.stripe.accountIdMetadata,
      segmentKey: this.def.stripe.segmentMetadata,
      ownerEmailKey: this.def.stripe.ownerEmailMetadata,
    };
    this.dates = new LocalDateOfInstant(opts.timeZone);
    this.now = opts.now ?? Date.now;
  }

  /** Requests sent in this run (retries included). */
  get requests(): number {
    return this.session?.requester.requests ?? 0;
  }

  /** True when a full sync stopped to stay inside its time budget: run the source again to continue. */
  continues(): boolean {
    return this.session?.stoppedEarly ?? false;
  }

  async ignored(): Promise<string[]> {
    return [];
  }

  async *files(): AsyncGenerator<SourceFile> {
    const session = await this.open();
    const wanted = new Set(this.def.entities);
    const note = session.plan.note ? `; ${session.plan.note}` : '';
    const scope =
      session.plan.mode === 'incremental'
        ? `changes since the last sync: ${session.plan.touched!.length} customer(s)`
        : session.plan.after
          ? `full sync, continued after ${session.plan.after}`
          : 'full sync';
    const settleOn = wanted.has('subscriptions') ? 'subscriptions' : 'accounts';
    if (wanted.has('accounts')) {
      yield {
        entity: 'accounts',
        name: `Stripe customers (${scope}${note})`,
        rows: () => this.accountRows(session),
        ...(settleOn === 'accounts' ? { settle: (o: FileOutcome) => this.settle(session, o) } : {}),
      };
    }
    if (wanted.has('subscriptions')) {
      yield {
        entity: 'subscriptions',
        name: `Stripe invoices and subscriptions (${scope})`,
        rows: () => this.lineRows(session),
        settle: (o: FileOutcome) => this.settle(session, o),
      };
    }
  }

  // ---- the run ---------------------------------------------------------------------------

  /** Key, client, prices and the plan; any failure here ends the run before a row is written. */
  private async open(): Promise<Session> {
    const cfg = this.def.stripe;
    const key = await this.opts.apiKey();
    if (!key) {
      throw new SourceError(
        'NO_CREDENTIALS',
        `source "${this.def.name}": no Stripe API key (locally: export ${cfg.secretKeyEnv}=sk_...; in AWS: set stripe.secretName to a Secrets Manager secret)`,
      );
    }
    const base = new URL(cfg.apiBase);
    const protocol = base.protocol === 'http:' ? 'http' : 'https';
    const client = new Stripe(key.key, {
      host: base.hostname,
      port: base.port || (protocol === 'http' ? 80 : 443),
      protocol,
      // Pulse retries each page itself (the client would not retry a plain 429 anyway).
      maxNetworkRetries: 0,
      timeout: cfg.timeoutMs,
      telemetry: false,
      appInfo: { name: 'Pulse' },
    });
    // Stripe allows 25 reads/s in test mode (100 live): a test key stays at 20, clear of that limit.
    const testMode = /^(sk|rk)_test_/.test(key.key);
    const requester = new StripeRequester(
      {
        requestsPerSecond: testMode
          ? Math.min(cfg.requestsPerSecond, TEST_MODE_READS_PER_SECOND)
          : cfg.requestsPerSecond,
        maxAttempts: cfg.maxAttempts,
        baseDelayMs: cfg.baseDelayMs,
        maxDelayMs: cfg.maxDelayMs,
        maxRetryAfterMs: cfg.maxRetryAfterMs,
        ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}),
        ...(this.opts.random ? { random: this.opts.random } : {}),
        ...(this.opts.now ? { now: this.opts.now } : {}),
      },
      `Stripe at ${base.origin}`,
      key.from,
    );
    // Archived prices too: old invoices still bill them.
    const prices = new Map<string, BillingPrice>();
    for (const active of [true, false]) {
      for await (const page of requester.pages(`GET /v1/prices?active=${active}`, (after) =>
        client.prices.list({ active, limit: PAGE, ...(after ? { starting_after: after } : {}) }),
      )) {
        for (const p of page) prices.set(p.id, toBillingPrice(p));
      }
    }
    const session: Session = {
      client,
      requester,
      prices,
      plan: { mode: 'full', startedAt: Math.floor(this.now() / 1000) },
      customers: new Map(),
      hasHistory: false,
      shrunk: new Map(),
      stoppedEarly: false,
      domainsKept: new Set(),
    };
    session.plan = await this.plan(session);
    if (session.plan.mode === 'full' && this.def.entities.includes('subscriptions'))
      session.subscriptionsByCustomer = await this.allSubscriptions(session);
    this.session = session;
    return session;
  }

  private async plan(session: Session): Promise<SyncPlan> {
    const startedAt = Math.floor(this.now() / 1000);
    const state = this.opts.syncState;
    if (!state) return { mode: 'full', startedAt };
    const [hwmText, backfillText] = await Promise.all([
      state.get(this.def.name, STRIPE_STATE.hwm),
      state.get(this.def.name, STRIPE_STATE.backfill),
    ]);
    session.hasHistory = hwmText !== undefined || backfillText !== undefined;
    if (this.opts.full) return { mode: 'full', startedAt };
    if (backfillText !== undefined) {
      const b = JSON.parse(backfillText) as { after?: string; startedAt: number };
      return { mode: 'full', startedAt: b.startedAt, ...(b.after ? { after: b.after } : {}) };
    }
    if (hwmText === undefined) return { mode: 'full', startedAt };
    const since = Number(hwmText) - this.def.stripe.overlapSeconds;
    if (since < startedAt - EVENT_RETENTION_SECONDS + 3_600) {
      return {
        mode: 'full',
        startedAt,
        note: `the last sync (${new Date(Number(hwmText) * 1000).toISOString()}) is older than Stripe's 30 days of events`,
      };
    }
    const touched = new Set<string>();
    const { client, requester } = session;
    for await (const page of requester.pages(`GET /v1/events?created[gte]=${since}`, (after) =>
      client.events.list({ created: { gte: since }, limit: PAGE, ...(after ? { starting_after: after } : {}) }),
    )) {
      for (const e of page) {
        const customer = customerOfEvent(e);
        if (customer) touched.add(customer);
      }
    }
    // New invoices too, in case an event is late to appear in the list.
    for await (const page of requester.pages(`GET /v1/invoices?created[gte]=${since}`, (after) =>
      client.invoices.list({ created: { gte: since }, limit: PAGE, ...(after ? { starting_after: after } : {}) }),
    )) {
      for (const i of page) {
        const c = typeof i.customer === 'string' ? i.customer : i.customer?.id;
        if (c) touched.add(c);
      }
    }
    return { mode: 'incremental', startedAt, touched: [...touched].sort() };
  }

  private async allSubscriptions(session: Session): Promise<Map<string, BillingSubscription[]>> {
    const byCustomer = new Map<string, BillingSubscription[]>();
    const { client, requester } = session;
    for await (const page of requester.pages('GET /v1/subscriptions?status=all', (after) =>
      client.subscriptions.list({ status: 'all', limit: PAGE, ...(after ? { starting_after: after } : {}) }),
    )) {
      for (const s of page) {
        const sub = await this.subscription(session, s);
        const list = byCustomer.get(sub.customer);
        if (list) list.push(sub);
        else byCustomer.set(sub.customer, [sub]);
      }
    }
    return byCustomer;
  }

  /** A subscription with every item (the embedded item list holds the first page only). */
  private async subscription(session: Session, s: Stripe.Subscription): Promise<BillingSubscription> {
    if (!s.items.has_more) return toBillingSubscription(s);
    const items = [...s.items.data];
    const last = items[items.length - 1]?.id;
    for await (const page of session.requester.pages(
      `GET /v1/subscription_items?subscription=${s.id}`,
      (after) =>
        session.client.subscriptionItems.list({
          subscription: s.id,
          limit: PAGE,
          ...(after ? { starting_after: after } : {}),
        }),
      last,
    )) {
      items.push(...page);
    }
    return toBillingSubscription(s, items);
  }

  /** The customers of this run, in list order: every customer (full) or the touched ones. */
  private async *customerPages(session: Session, startAfter?: string): AsyncGenerator<Stripe.Customer[]> {
    const { client, requester, plan } = session;
    if (plan.mode === 'full') {
      yield* requester.pages(
        'GET /v1/customers',
        (after) => client.customers.list({ limit: PAGE, ...(after ? { starting_after: after } : {}) }),
        startAfter,
      );
      return;
    }
    for (const id of plan.touched!) {
      let c = session.customers.get(id);
      if (!c) {
        c = await requester.call(`GET /v1/customers/${id}`, () => client.customers.retrieve(id));
        session.customers.set(id, c);
      }
      if (!c.deleted) yield [c];
    }
  }

  private async *accountRows(session: Session): AsyncGenerator<SourceRow> {
    let line = 0;
    for await (const page of this.customerPages(session)) {
      for (const c of page) {
        const account = accountOf(toBillingCustomer(c), this.settings, this.dates);
        await this.keepDomains(session, c, account.account_id as string);
        yield row(++line, account);
      }
    }
  }

  private async *lineRows(session: Session): AsyncGenerator<SourceRow> {
    const counter = { line: 0 };
    const stopAt = this.opts.stopWithMsLeft ?? 60_000;
    for await (const page of this.customerPages(session, session.plan.after)) {
      for (const c of page) {
        if (session.plan.mode === 'full' && this.opts.remainingMs && this.opts.remainingMs() < stopAt) {
          session.stoppedEarly = true;
          return;
        }
        yield* this.customerLines(session, c, counter);
        session.lastCustomer = c.id;
      }
    }
    if (session.plan.mode === 'incremental') {
      // A deleted customer's lines go: its invoices no longer reach an account (nor its domain).
      for (const id of session.plan.touched!) {
        if (!session.customers.get(id)?.deleted) continue;
        await this.opts.syncState?.clear?.(this.def.name, accountDomainsKey(id));
        yield* this.replaceLines(session, id, [], counter);
      }
    }
  }

  private async *customerLines(
    session: Session,
    c: Stripe.Customer,
    counter: { line: number },
  ): AsyncGenerator<SourceRow> {
    const { client, requester } = session;
    const subscriptions =
      session.subscriptionsByCustomer?.get(c.id) ??
      (session.plan.mode === 'incremental'
        ? await Promise.all(
            (
              await requester.all(`GET /v1/subscriptions?customer=${c.id}&status=all`, (after) =>
                client.subscriptions.list({
                  customer: c.id,
                  status: 'all',
                  limit: PAGE,
                  ...(after ? { starting_after: after } : {}),
                }),
              )
            ).map((s) => this.subscription(session, s)),
          )
        : []);
    const invoices = [];
    for await (const page of requester.pages(`GET /v1/invoices?customer=${c.id}`, (after) =>
      client.invoices.list({ customer: c.id, limit: PAGE, ...(after ? { starting_after: after } : {}) }),
    )) {
      for (const inv of page) {
        const lines = [...inv.lines.data];
        if (inv.lines.has_more && COUNTED_STATUSES.has(inv.status ?? '')) {
          for await (const more of requester.pages(
            `GET /v1/invoices/${inv.id}/lines`,
            (after) =>
              client.invoices.listLineItems(inv.id!, { limit: PAGE, ...(after ? { starting_after: after } : {}) }),
            lines[lines.length - 1]?.id,
          )) {
            lines.push(...more);
          }
        }
        invoices.push(toBillingInvoice(inv, lines));
      }
    }
    const customer = toBillingCustomer(c);
    await this.keepDomains(session, c, accountOf(customer, this.settings, this.dates).account_id as string);
    const result = linesOfCustomer({ customer, subscriptions, invoices }, session.prices, this.settings, this.dates);
    for (const p of result.problems) {
      yield {
        ok: false,
        error: {
          line: ++counter.line,
          field: p.field,
          reason: `invoice ${p.invoice}, line item ${p.lineItem}: ${p.reason}`,
          raw: `${p.invoice} ${p.lineItem}`,
        },
      };
    }
    yield* this.replaceLines(session, c.id, result.lines, counter);
  }

  /** The customer's new lines, and deletes for the lines it produced before and no longer does. */
  private async *replaceLines(
    session: Session,
    customer: string,
    lines: ContractRow[],
    counter: { line: number },
  ): AsyncGenerator<SourceRow> {
    const state = this.opts.syncState;
    const ids = lines.map((l) => l.line_id!);
    let stale: string[] = [];
    if (state) {
      const key = STRIPE_STATE.lines(customer);
      const before = session.hasHistory ? await state.get(this.def.name, key) : undefined;
      const previous: string[] = before ? (JSON.parse(before) as string[]) : [];
      const now = new Set(ids);
      stale = previous.filter((id) => !now.has(id));
      const known = new Set(previous);
      const added = ids.filter((id) => !known.has(id));
      // Written ahead of the rows: every line ever stored is in the set, so a later sync can delete it.
      if (added.length) await state.put(this.def.name, key, JSON.stringify([...previous, ...added]));
      if (stale.length) session.shrunk.set(customer, ids);
    }
    for (const l of lines) yield row(++counter.line, l);
    for (const id of stale)
      yield {
        ok: true,
        row: {
          line: ++counter.line,
          fields: { line_id: id },
          raw: JSON.stringify({ line_id: id, deleted: true }),
          deleted: true,
        },
      };
  }

  /**
   * The customer's account and e-mail domain, kept beside the sync state (not in the contract's
   * accounts) for the CRM and help-desk connectors to match their records' domains against.
   */
  private async keepDomains(session: Session, c: Stripe.Customer, accountId: string): Promise<void> {
    const state = this.opts.syncState;
    if (!state || session.domainsKept.has(c.id)) return;
    session.domainsKept.add(c.id);
    const domain = c.email?.includes('@')
      ? c.email
          .slice(c.email.lastIndexOf('@') + 1)
          .trim()
          .toLowerCase()
      : '';
    await state.put(
      this.def.name,
      accountDomainsKey(c.id),
      JSON.stringify({ accountId, domains: domain ? [domain] : [] }),
    );
  }

  /** After the rows are stored: the exact line sets, then the checkpoint or the high-water mark. */
  private async settle(session: Session, outcome: FileOutcome): Promise<string | undefined> {
    const state = this.opts.syncState;
    if (!state || outcome !== 'processed') return undefined;
    for (const [customer, ids] of session.shrunk)
      await state.put(this.def.name, STRIPE_STATE.lines(customer), JSON.stringify(ids));
    if (session.stoppedEarly) {
      const checkpoint = { after: session.lastCustomer ?? session.plan.after, startedAt: session.plan.startedAt };
      await state.put(this.def.name, STRIPE_STATE.backfill, JSON.stringify(checkpoint));
      return `backfill checkpoint after ${checkpoint.after ?? 'the start'} (the next run continues)`;
    }
    await state.put(this.def.name, STRIPE_STATE.hwm, String(session.plan.startedAt));
    await state.clear?.(this.def.name, STRIPE_STATE.backfill);
    return `synced up to ${new Date(session.plan.startedAt * 1000).toISOString()}`;
  }
}

function row(line: number, fields: ContractRow): SourceRow {
  return { ok: true, row: { line, fields, raw: JSON.stringify(fields) } };
}

/** The customer an event is about (invoices, subscriptions, invoice items, the customer itself). */
function customerOfEvent(e: Stripe.Event): string | undefined {
  const o = e.data.object as { object?: string; id?: string; customer?: string | { id: string } | null };
  if (o.object === 'customer') return o.id;
  if (o.customer === undefined || o.customer === null) return undefined;
  return typeof o.customer === 'string' ? o.customer : o.customer.id;
}
