// The archive-access ports on DynamoDB: link records, one-time code challenges and rate-limit
// counters in the Pulse table (partitions LINK#, CODE#, RATE#; see docs/archive-access.md), and the
// audit trail in its own append-only table (AUDIT#<month>, `<at>#<random>`), kept as long as the
// archive through TTL.
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AUDIT_OUTCOMES, type AuditEntry, type LinkRecord, type LinkSource } from '../../domain/archive/access';
import type { AuditLog, CodeChallenge, CodeStore, LinkStore, RateLimiter } from '../../ports/archive-access';
import { documentClient } from './document-client';
import {
  ATTR,
  CODE_ENTITY,
  GSI1,
  LINK_ENTITY,
  LINKS_GSI1PK,
  RATE_ENTITY,
  auditPk,
  codeKey,
  linkKey,
  rateKey,
} from './table';

type Item = Record<string, unknown>;

export class ArchiveAccessStoreError extends Error {
  override readonly name = 'ArchiveAccessStoreError';
  constructor(
    readonly code: 'READ_FAILED' | 'WRITE_FAILED',
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
  }
}

interface Options {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
}

async function attempt<T>(code: 'READ_FAILED' | 'WRITE_FAILED', what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ArchiveAccessStoreError(code, `${what} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Link records expire from the table a year after the link itself did (they stay listable meanwhile). */
const LINK_RECORD_GRACE_SECONDS = 365 * 86_400;

export class DynamoDbLinkStore implements LinkStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  constructor(opts: Options) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
  }

  async put(link: LinkRecord): Promise<void> {
    const item: Item = {
      ...linkKey(link.linkId),
      [ATTR.gsi1pk]: LINKS_GSI1PK,
      [ATTR.gsi1sk]: `${link.createdAt}#${link.linkId}`,
      [ATTR.entity]: LINK_ENTITY,
      linkId: link.linkId,
      key: link.key,
      recipients: link.recipients,
      recipientHash: link.recipientHash,
      source: link.source,
      createdAt: link.createdAt,
      linkExpiresAt: link.expiresAt,
      [ATTR.ttl]: Math.floor(Date.parse(link.expiresAt) / 1000) + LINK_RECORD_GRACE_SECONDS,
    };
    await attempt('WRITE_FAILED', `recording link ${link.linkId}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        }),
      ),
    );
  }

  async get(linkId: string): Promise<LinkRecord | undefined> {
    const res = await attempt('READ_FAILED', `reading link ${linkId}`, () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: linkKey(linkId), ConsistentRead: true })),
    );
    return res.Item ? fromLinkItem(res.Item) : undefined;
  }

  async list(opts: { recipient?: string } = {}): Promise<LinkRecord[]> {
    const out: LinkRecord[] = [];
    let start: Item | undefined;
    do {
      const res = await attempt('READ_FAILED', 'listing links', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: GSI1,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': ATTR.gsi1pk },
            ExpressionAttributeValues: { ':pk': LINKS_GSI1PK },
            ScanIndexForward: false,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of res.Items ?? []) out.push(fromLinkItem(item));
      start = res.LastEvaluatedKey;
    } while (start);
    return opts.recipient ? out.filter((l) => l.recipients.includes(opts.recipient!)) : out;
  }

  async revoke(linkId: string, at: string, by: string): Promise<LinkRecord | undefined> {
    try {
      const res = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: linkKey(linkId),
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at), revokedBy = if_not_exists(revokedBy, :by)',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
          ExpressionAttributeValues: { ':at': at, ':by': by },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return res.Attributes ? fromLinkItem(res.Attributes) : undefined;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw new ArchiveAccessStoreError('WRITE_FAILED', `revoking link ${linkId} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

function fromLinkItem(item: Item): LinkRecord {
  return {
    linkId: String(item.linkId),
    key: String(item.key),
    recipients: Array.isArray(item.recipients) ? item.recipients.map(String) : [],
    recipientHash: typeof item.recipientHash === 'string' ? item.recipientHash : null,
    source: item.source as LinkSource,
    createdAt: String(item.createdAt),
    expiresAt: String(item.linkExpiresAt),
    ...(typeof item.revokedAt === 'string' ? { revokedAt: item.revokedAt } : {}),
    ...(typeof item.revokedBy === 'string' ? { revokedBy: item.revokedBy } : {}),
  };
}

export class DynamoDbCodeStore implements CodeStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  constructor(opts: Options) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
  }

  async put(c: CodeChallenge): Promise<void> {
    await attempt('WRITE_FAILED', 'storing a sign-in code', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...codeKey(c.challengeId),
            [ATTR.entity]: CODE_ENTITY,
            linkId: c.linkId,
            email: c.email,
            digest: c.digest,
            codeExpiresAt: c.expiresAt,
            tries: 0,
            [ATTR.ttl]: c.expiresAt + 3600,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        }),
      ),
    );
  }

  async get(challengeId: string): Promise<(CodeChallenge & { tries: number }) | undefined> {
    const res = await attempt('READ_FAILED', 'reading a sign-in code', () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: codeKey(challengeId), ConsistentRead: true })),
    );
    const i = res.Item;
    if (!i) return undefined;
    return {
      challengeId,
      linkId: String(i.linkId),
      email: String(i.email),
      digest: String(i.digest),
      expiresAt: Number(i.codeExpiresAt),
      tries: Number(i.tries ?? 0),
    };
  }

  async countTry(challengeId: string): Promise<number> {
    try {
      const res = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: codeKey(challengeId),
          UpdateExpression: 'ADD tries :one',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(res.Attributes?.tries ?? Number.POSITIVE_INFINITY);
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return Number.POSITIVE_INFINITY;
      throw new ArchiveAccessStoreError('WRITE_FAILED', `counting a code try failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async consume(challengeId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: codeKey(challengeId),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw new ArchiveAccessStoreError('WRITE_FAILED', `using up a sign-in code failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

/** Fixed-window counters: one item per (bucket, window), expired by TTL. */
export class DynamoDbRateLimiter implements RateLimiter {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  constructor(opts: Options) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
  }

  async hit(bucket: string, limit: number, windowSeconds: number, now: Date): Promise<boolean> {
    const t = Math.floor(now.getTime() / 1000);
    const windowStart = t - (t % windowSeconds);
    const res = await attempt('WRITE_FAILED', 'counting a rate limit', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: rateKey(bucket, windowStart),
          UpdateExpression: 'ADD hits :one SET #ttl = :ttl, #entity = :entity',
          ExpressionAttributeNames: { '#ttl': ATTR.ttl, '#entity': ATTR.entity },
          ExpressionAttributeValues: { ':one': 1, ':ttl': windowStart + 2 * windowSeconds, ':entity': RATE_ENTITY },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(res.Attributes?.hits ?? 0) <= limit;
  }
}

export interface AuditLogOptions extends Options {
  /** Entries expire (TTL) after this many years: the archive's retention. Default 7. */
  retentionYears?: number;
}

export class DynamoDbAuditLog implements AuditLog {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retentionSeconds: number;
  constructor(opts: AuditLogOptions) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
    this.retentionSeconds = Math.round((opts.retentionYears ?? 7) * 365.25 * 86_400);
  }

  async append(e: AuditEntry): Promise<void> {
    const item: Item = {
      [ATTR.pk]: auditPk(e.at),
      [ATTR.sk]: `${e.at}#${randomBytes(6).toString('base64url')}`,
      at: e.at,
      linkId: e.linkId,
      recipient: e.recipient,
      identity: e.identity,
      key: e.key,
      outcome: e.outcome,
      ip: e.ip,
      [ATTR.ttl]: Math.floor(Date.parse(e.at) / 1000) + this.retentionSeconds,
    };
    await attempt('WRITE_FAILED', 'appending to the audit trail', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        }),
      ),
    );
  }

  async list(since: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    const end = new Date();
    for (let month = since.slice(0, 7); month <= end.toISOString().slice(0, 7); month = nextMonth(month)) {
      let start: Item | undefined;
      do {
        const res = await attempt('READ_FAILED', `reading the audit trail of ${month}`, () =>
          this.doc.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: '#pk = :pk AND #sk >= :since',
              ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
              ExpressionAttributeValues: { ':pk': auditPk(`${month}-01`), ':since': since },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          ),
        );
        for (const i of res.Items ?? []) out.push(fromAuditItem(i));
        start = res.LastEvaluatedKey;
      } while (start);
    }
    return out;
  }
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function fromAuditItem(i: Item): AuditEntry {
  const outcome = AUDIT_OUTCOMES.find((o) => o === i.outcome) ?? 'invalid';
  return {
    at: String(i.at),
    linkId: str(i.linkId),
    recipient: str(i.recipient),
    identity: str(i.identity),
    key: str(i.key),
    outcome,
    ip: str(i.ip),
  };
}
