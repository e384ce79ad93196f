// In-memory archive-access ports: link records, the audit trail, one-time codes and rate limits in
// Maps, for unit tests of the access use case and for a throwaway endpoint. Same contracts as the
// DynamoDB adapters (a code is consumed once, tries count atomically, revocation keeps the first).
import type { AuditEntry, LinkRecord } from '../../domain/archive/access';
import type { AuditLog, CodeChallenge, CodeStore, LinkStore, RateLimiter } from '../../ports/archive-access';

export class MemoryLinkStore implements LinkStore {
  readonly items = new Map<string, LinkRecord>();
  async put(link: LinkRecord): Promise<void> {
    if (this.items.has(link.linkId)) throw new Error(`link ${link.linkId} exists`);
    this.items.set(link.linkId, structuredClone(link));
  }
  async get(linkId: string): Promise<LinkRecord | undefined> {
    const l = this.items.get(linkId);
    return l && structuredClone(l);
  }
  async list(opts: { recipient?: string } = {}): Promise<LinkRecord[]> {
    const all = [...this.items.values()].sort((a, b) => (b.createdAt + b.linkId).localeCompare(a.createdAt + a.linkId));
    return structuredClone(opts.recipient ? all.filter((l) => l.recipients.includes(opts.recipient!)) : all);
  }
  async revoke(linkId: string, at: string, by: string): Promise<LinkRecord | undefined> {
    const l = this.items.get(linkId);
    if (!l) return undefined;
    l.revokedAt ??= at;
    l.revokedBy ??= by;
    return structuredClone(l);
  }
}

export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async append(entry: AuditEntry): Promise<void> {
    this.entries.push({ ...entry });
  }
  async list(since: string): Promise<AuditEntry[]> {
    return this.entries.filter((e) => e.at >= since).sort((a, b) => a.at.localeCompare(b.at));
  }
}

export class MemoryCodeStore implements CodeStore {
  readonly items = new Map<string, CodeChallenge & { tries: number }>();
  async put(c: CodeChallenge): Promise<void> {
    this.items.set(c.challengeId, { ...c, tries: 0 });
  }
  async get(id: string): Promise<(CodeChallenge & { tries: number }) | undefined> {
    const c = this.items.get(id);
    return c && { ...c };
  }
  async countTry(id: string): Promise<number> {
    const c = this.items.get(id);
    if (!c) return Number.POSITIVE_INFINITY;
    c.tries += 1;
    return c.tries;
  }
  async consume(id: string): Promise<boolean> {
    return this.items.delete(id);
  }
}

export class MemoryRateLimiter implements RateLimiter {
  readonly counts = new Map<string, number>();
  async hit(bucket: string, limit: number, windowSeconds: number, now: Date): Promise<boolean> {
    const t = Math.floor(now.getTime() / 1000);
    const k = `${bucket}@${t - (t % windowSeconds)}`;
    const n = (this.counts.get(k) ?? 0) + 1;
    this.counts.set(k, n);
    return n <= limit;
  }
}
