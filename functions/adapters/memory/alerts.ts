// In-memory AlertStateStore, SendLedger and SingleUseIds: the same contracts as the DynamoDB
// adapters (versions, conditional claims), for unit tests, the backtest and dry runs. Not shared between processes.
import type { AlertState } from '../../domain/alerts';
import { AlertConflictError, type AlertStateStore } from '../../ports/alerts';
import type { SingleUseIds } from '../../ports/alert-actions';
import { DEFAULT_CHANNEL, type ClaimResult, type SendKey, type SendLedger } from '../../ports/send-ledger';

export class InMemoryAlertStateStore implements AlertStateStore {
  readonly alerts = new Map<string, AlertState>();
  readonly cursors = new Map<string, string>();

  async listAlerts(): Promise<AlertState[]> {
    return [...this.alerts.values()].map((s) => structuredClone(s));
  }
  async getAlert(id: string): Promise<AlertState | undefined> {
    const s = this.alerts.get(id);
    return s && structuredClone(s);
  }
  async putAlert(state: AlertState): Promise<AlertState> {
    const stored = this.alerts.get(state.id);
    if ((stored?.version ?? 0) !== state.version) throw new AlertConflictError(state.id, state.version);
    const next = { ...structuredClone(state), version: state.version + 1 };
    this.alerts.set(state.id, next);
    return structuredClone(next);
  }
  async getDigestCursor(audience: string, recipient: string): Promise<string | undefined> {
    return this.cursors.get(`${audience}#${recipient}`);
  }
  async setDigestCursor(audience: string, recipient: string, through: string): Promise<void> {
    this.cursors.set(`${audience}#${recipient}`, through);
  }
}

interface LedgerEntry {
  status: 'in-flight' | 'sent';
  claimedAt: string;
  messageId?: string;
  sentAt?: string;
}

export class InMemorySendLedger implements SendLedger {
  readonly entries = new Map<string, LedgerEntry>();
  constructor(private readonly now: () => Date = () => new Date()) {}

  private id(k: SendKey): string {
    return `${k.kind}|${k.period}|${k.channel ?? DEFAULT_CHANNEL}|${k.recipient.toLowerCase()}`;
  }
  async claim(key: SendKey, opts: { staleAfterMs?: number; force?: boolean } = {}): Promise<ClaimResult> {
    const id = this.id(key);
    const e = this.entries.get(id);
    const now = this.now();
    if (e?.status === 'sent' && !opts.force) return { status: 'sent', messageId: e.messageId!, sentAt: e.sentAt! };
    if (e?.status === 'in-flight' && !opts.force) {
      const stale = opts.staleAfterMs !== undefined && now.getTime() - Date.parse(e.claimedAt) > opts.staleAfterMs;
      if (!stale) return { status: 'in-flight', claimedAt: e.claimedAt };
    }
    this.entries.set(id, { status: 'in-flight', claimedAt: now.toISOString() });
    return { status: 'claimed' };
  }
  async markSent(key: SendKey, messageId: string): Promise<void> {
    const id = this.id(key);
    const e = this.entries.get(id);
    this.entries.set(id, {
      claimedAt: e?.claimedAt ?? this.now().toISOString(),
      status: 'sent',
      messageId,
      sentAt: this.now().toISOString(),
    });
  }
  async release(key: SendKey): Promise<void> {
    const id = this.id(key);
    if (this.entries.get(id)?.status === 'in-flight') this.entries.delete(id);
  }
  async delivered(key: SendKey): Promise<{ messageId: string; sentAt: string } | undefined> {
    const e = this.entries.get(this.id(key));
    return e?.status === 'sent' ? { messageId: e.messageId!, sentAt: e.sentAt! } : undefined;
  }
}

/** SingleUseIds in memory (tests). */
export class InMemorySingleUseIds implements SingleUseIds {
  readonly used = new Map<string, number>();
  async use(id: string, expiresAt: number): Promise<boolean> {
    if (this.used.has(id)) return false;
    this.used.set(id, expiresAt);
    return true;
  }
  async release(id: string): Promise<void> {
    this.used.delete(id);
  }
}
