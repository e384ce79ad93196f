// The SendLedger port on the Pulse table: one item per (kind, period, channel, recipient) under
// `SEND#<kind>#<period>` / `TO#<recipient>` for email (the first channel, so its keys never change)
// and `TO#<channel>:<recipient>` for any other channel. A claim is a conditional write that
// succeeds only when no claim exists (or the last one was released); the message id is recorded
// after the send.
// Only PutItem/UpdateItem (the `table:claim` grant) and a consistent GetItem are used.
//
// Item: { status: 'claimed' | 'sent' | 'released', kind, period, channel, recipient, claimedAt,
//         claimToken, attempts, sentAt?, messageId?, releasedAt?, releaseReason?,
//         lastMessageId? (before a forced resend) }
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_CHANNEL, type ClaimResult, type SendKey, type SendLedger } from '../../ports/send-ledger';
import { SEND_ENTITY, sendKey } from './table';
import { documentClient } from './document-client';

export interface DynamoDbSendLedgerOptions {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
}

export class SendLedgerError extends Error {
  override readonly name = 'SendLedgerError';
  constructor(
    readonly code: 'LEDGER_FAILED' | 'NOT_CLAIMED',
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
  }
}

interface SendItem {
  status: 'claimed' | 'sent' | 'released';
  claimedAt: string;
  claimToken: string;
  sentAt?: string;
  messageId?: string;
}

/** Recipients are compared lower-cased (the port's contract); the channel defaults to email. */
export function normaliseKey(key: SendKey): Required<SendKey> {
  return {
    kind: key.kind,
    period: key.period,
    recipient: key.recipient.trim().toLowerCase(),
    channel: key.channel ?? DEFAULT_CHANNEL,
  };
}

export class DynamoDbSendLedger implements SendLedger {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly now: () => Date;

  constructor(opts: DynamoDbSendLedgerOptions) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
    this.now = opts.now ?? (() => new Date());
  }

  private keyOf(key: SendKey) {
    const k = normaliseKey(key);
    return sendKey(k.kind, k.period, k.channel === DEFAULT_CHANNEL ? k.recipient : `${k.channel}:${k.recipient}`);
  }

  async claim(key: SendKey, opts: { staleAfterMs?: number; force?: boolean } = {}): Promise<ClaimResult> {
    const k = normaliseKey(key);
    const now = this.now();
    const claimedAt = now.toISOString();
    const values: Record<string, unknown> = {
      ':claimed': 'claimed',
      ':at': claimedAt,
      ':token': randomBytes(8).toString('hex'),
      ':one': 1,
      ':entity': SEND_ENTITY,
      ':kind': k.kind,
      ':period': k.period,
      ':recipient': k.recipient,
      ':channel': k.channel,
    };
    // A first claim or a claim after a release; with `force`, anything but a claim made within
    // `staleAfterMs` (default 0: any earlier claim); with `staleAfterMs`, also a claim older than that.
    let condition: string;
    if (opts.force) {
      condition = 'attribute_not_exists(PK) OR #status <> :claimed OR #claimedAt < :staleBefore';
    } else {
      condition = 'attribute_not_exists(PK) OR #status = :released';
      values[':released'] = 'released';
      if (opts.staleAfterMs !== undefined) condition += ' OR (#status = :claimed AND #claimedAt < :staleBefore)';
    }
    if (opts.force || opts.staleAfterMs !== undefined)
      values[':staleBefore'] = new Date(now.getTime() - (opts.staleAfterMs ?? 0)).toISOString();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.keyOf(k),
          // A forced resend keeps the previous message id as `lastMessageId`.
          UpdateExpression:
            'SET #status = :claimed, #claimedAt = :at, claimToken = :token, entity = :entity, kind = :kind, period = :period, recipient = :recipient, channel = :channel' +
            (opts.force ? ', lastMessageId = if_not_exists(messageId, :none) REMOVE messageId, sentAt' : '') +
            ' ADD attempts :one',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status', '#claimedAt': 'claimedAt' },
          ExpressionAttributeValues: opts.force ? { ...values, ':none': '' } : values,
        }),
      );
      return { status: 'claimed' };
    } catch (err) {
      if (
        !(err instanceof ConditionalCheckFailedException) &&
        (err as Error).name !== 'ConditionalCheckFailedException'
      ) {
        throw new SendLedgerError('LEDGER_FAILED', `claiming ${describeKey(k)} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    const existing = await this.get(k);
    if (existing?.status === 'sent')
      return { status: 'sent', messageId: existing.messageId ?? '', sentAt: existing.sentAt ?? '' };
    if (existing?.status === 'claimed') return { status: 'in-flight', claimedAt: existing.claimedAt };
    // Released (or deleted) between our write and our read: another caller may claim it; so may we.
    return this.claim(key, opts);
  }

  async markSent(key: SendKey, messageId: string): Promise<void> {
    const k = normaliseKey(key);
    const done = await this.fromClaimed(k, 'marking sent', 'SET #status = :to, messageId = :id, sentAt = :at', {
      ':to': 'sent',
      ':id': messageId,
    });
    if (!done)
      throw new SendLedgerError(
        'NOT_CLAIMED',
        `${describeKey(k)} is not claimed, so it cannot be marked sent (message ${messageId})`,
      );
  }

  async release(key: SendKey, reason: string): Promise<void> {
    // Nothing to give back (already sent, or never claimed) is fine: a release is best effort.
    await this.fromClaimed(
      normaliseKey(key),
      'releasing',
      'SET #status = :to, releasedAt = :at, releaseReason = :reason',
      {
        ':to': 'released',
        ':reason': reason.slice(0, 1000),
      },
    );
  }

  /** Moves a claimed send on (to sent or released); false when it was not claimed. */
  private async fromClaimed(
    k: SendKey,
    doing: string,
    update: string,
    values: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.keyOf(k),
          UpdateExpression: update,
          ConditionExpression: '#status = :claimed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...values, ':claimed': 'claimed', ':at': this.now().toISOString() },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw new SendLedgerError('LEDGER_FAILED', `${doing} ${describeKey(k)} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async delivered(key: SendKey): Promise<{ messageId: string; sentAt: string } | undefined> {
    const item = await this.get(key);
    return item?.status === 'sent' && item.messageId !== undefined
      ? { messageId: item.messageId, sentAt: item.sentAt ?? '' }
      : undefined;
  }

  /** The stored claim, for inspection (`pulse report` prints it). */
  async get(key: SendKey): Promise<SendItem | undefined> {
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: this.keyOf(key), ConsistentRead: true }),
      );
      return out.Item as SendItem | undefined;
    } catch (err) {
      throw new SendLedgerError(
        'LEDGER_FAILED',
        `reading ${describeKey(normaliseKey(key))} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}

function describeKey(k: SendKey): string {
  return `the ${k.kind} send for ${k.period} to ${k.recipient}${k.channel && k.channel !== DEFAULT_CHANNEL ? ` on ${k.channel}` : ''}`;
}
