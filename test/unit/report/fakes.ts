// In-memory fakes of the ports the weekly report uses, for unit tests.
import type { Dataset } from '../../../functions/domain/contract/validate';
import type { Mailer, OutgoingMessage, SentMessage } from '../../../functions/ports/mailer';
import { DEFAULT_CHANNEL, type ClaimResult, type SendKey, type SendLedger } from '../../../functions/ports/send-ledger';
import type { RunKind, RunLedger, RunRecord, RunStart } from '../../../functions/ports/run-ledger';
import type { KpiSnapshot, Store } from '../../../functions/ports/store';

export class MemoryRunLedger implements RunLedger {
  readonly runs: RunRecord[] = [];
  async start(run: RunStart): Promise<void> {
    this.runs.push({ ...run, status: 'running', counts: {}, errors: [] } as RunRecord);
  }
  async finish(
    runId: string,
    outcome: Pick<RunRecord, 'status' | 'finishedAt' | 'counts' | 'errors' | 'rejects'>,
  ): Promise<void> {
    const r = this.runs.find((x) => x.runId === runId);
    if (!r) throw new Error(`no run ${runId}`);
    Object.assign(r, outcome);
  }
  async finishTimedOut(run: RunRecord, outcome: Pick<RunRecord, 'finishedAt' | 'errors'>): Promise<void> {
    await this.finish(run.runId, { status: 'timed-out', counts: run.counts, ...outcome });
  }
  async list(opts: { kind?: RunKind; limit?: number } = {}): Promise<RunRecord[]> {
    return this.runs
      .filter((r) => !opts.kind || r.kind === opts.kind)
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))
      .slice(0, opts.limit ?? Infinity);
  }
  /** A finished, successful ingest of `source`. */
  ingested(source: string, finishedAt: string): this {
    this.runs.push({
      runId: `r-${this.runs.length}`,
      kind: 'ingest',
      subject: source,
      startedAt: finishedAt,
      finishedAt,
      status: 'succeeded',
      counts: {},
      errors: [],
    });
    return this;
  }
}

export class MemorySendLedger implements SendLedger {
  readonly items = new Map<
    string,
    { status: 'claimed' | 'sent' | 'released'; claimedAt: string; messageId?: string; sentAt?: string }
  >();
  private key(k: SendKey) {
    return `${k.kind}|${k.period}|${k.channel ?? DEFAULT_CHANNEL}|${k.recipient.toLowerCase()}`;
  }
  async claim(k: SendKey, opts: { staleAfterMs?: number; force?: boolean } = {}): Promise<ClaimResult> {
    const existing = this.items.get(this.key(k));
    if (!existing || existing.status === 'released' || opts.force) {
      this.items.set(this.key(k), { status: 'claimed', claimedAt: new Date().toISOString() });
      return { status: 'claimed' };
    }
    if (existing.status === 'sent') return { status: 'sent', messageId: existing.messageId!, sentAt: existing.sentAt! };
    return { status: 'in-flight', claimedAt: existing.claimedAt };
  }
  async markSent(k: SendKey, messageId: string): Promise<void> {
    const it = this.items.get(this.key(k));
    if (it?.status !== 'claimed') throw new Error('not claimed');
    Object.assign(it, { status: 'sent', messageId, sentAt: new Date().toISOString() });
  }
  async release(k: SendKey): Promise<void> {
    const it = this.items.get(this.key(k));
    if (it?.status === 'claimed') it.status = 'released';
  }
  async delivered(k: SendKey): Promise<{ messageId: string; sentAt: string } | undefined> {
    const it = this.items.get(this.key(k));
    return it?.status === 'sent' ? { messageId: it.messageId!, sentAt: it.sentAt! } : undefined;
  }
}

export class MemoryMailer implements Mailer {
  readonly sent: OutgoingMessage[] = [];
  /** Throw this on the next sends (one per call), then succeed. */
  failures: unknown[] = [];
  async send(message: OutgoingMessage): Promise<SentMessage> {
    const f = this.failures.shift();
    if (f) throw f;
    this.sent.push(message);
    return { messageId: `m-${this.sent.length}`, raw: Buffer.from('') };
  }
}

export class MemoryStore implements Store {
  constructor(private readonly data: Dataset) {}
  async putRecords(): Promise<void> {}
  async loadDataset(): Promise<Dataset> {
    return this.data;
  }
  async countRecords(): Promise<never> {
    throw new Error('not used');
  }
  async putSnapshot(_s: KpiSnapshot): Promise<void> {}
  async getSnapshot(): Promise<undefined> {
    return undefined;
  }
  async listSnapshots(): Promise<KpiSnapshot[]> {
    return [];
  }
}
