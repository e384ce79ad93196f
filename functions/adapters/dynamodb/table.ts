// The Pulse table: one DynamoDB table for every item kind (single-table design). This file is the
// single source of truth for key attribute names, the secondary index and the key of every item
// kind the Store adapter writes; docs/data-store.md explains the design and its access patterns.
// The CDK construct and the embedded local stack both build the table from `pulseTableDefinition`.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { EntityName, EntityTypes } from '../../domain/contract/entities';

/** Attribute names with a meaning to the table itself (never a record field). */
export const ATTR = {
  pk: 'PK',
  sk: 'SK',
  gsi1pk: 'GSI1PK',
  gsi1sk: 'GSI1SK',
  /** The item kind: an EntityName for dataset records, `snapshot` for KPI snapshots, ... */
  entity: 'entity',
  /** Reserved for item kinds that expire (epoch seconds); TTL is enabled on it. */
  ttl: 'expiresAt',
} as const;

/** Every attribute the adapter adds to a record; stripped again when the record is read back. */
export const RESERVED_ATTRIBUTES: ReadonlySet<string> = new Set(Object.values(ATTR));

/** Overloaded index: today "every record of one account" (see docs/data-store.md). */
export const GSI1 = 'GSI1';

/** Key schema, attribute definitions and index of the Pulse table (on-demand billing). */
export function pulseTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: ATTR.pk, AttributeType: 'S' },
      { AttributeName: ATTR.sk, AttributeType: 'S' },
      { AttributeName: ATTR.gsi1pk, AttributeType: 'S' },
      { AttributeName: ATTR.gsi1sk, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: ATTR.pk, KeyType: 'HASH' },
      { AttributeName: ATTR.sk, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1,
        KeySchema: [
          { AttributeName: ATTR.gsi1pk, KeyType: 'HASH' },
          { AttributeName: ATTR.gsi1sk, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

// ---- keys of dataset records ---------------------------------------------------------------

export interface ItemKey {
  PK: string;
  SK: string;
}

export interface RecordKeys extends ItemKey {
  GSI1PK?: string;
  GSI1SK?: string;
}

/** The tag that prefixes the keys of each entity's items. */
export const ENTITY_TAG: { [K in EntityName]: string } = {
  accounts: 'ACCOUNT',
  subscriptions: 'SUBSCRIPTION',
  renewals: 'RENEWAL',
  expansions: 'EXPANSION',
  usage: 'USAGE',
  tickets: 'TICKET',
  nps: 'NPS',
  spend: 'SPEND',
  fx_rates: 'FXRATE',
  targets: 'TARGET',
  annotations: 'ANNOTATION',
};

export const accountPk = (accountId: string): string => `ACCOUNT#${accountId}`;

/**
 * An item's table key is the record's identity from the data contract, so a later put with the
 * same id replaces the earlier item even when its account_id changed (a corrected or merged
 * account). Account-scoped reads go through GSI1 (GSI1PK = ACCOUNT#<accountId>).
 */
function identityKeys(tag: string, id: string, accountId: string): RecordKeys {
  return { PK: `${tag}#${id}`, SK: tag, GSI1PK: accountPk(accountId), GSI1SK: `${tag}#${id}` };
}

export const recordKeys: { [K in EntityName]: (r: EntityTypes[K]) => RecordKeys } = {
  accounts: (r) => ({ PK: accountPk(r.accountId), SK: 'ACCOUNT', GSI1PK: accountPk(r.accountId), GSI1SK: 'ACCOUNT' }),
  // Usage is identified by (account, week): it lives in the account's partition.
  usage: (r) => ({
    PK: accountPk(r.accountId),
    SK: `USAGE#${r.week}`,
    GSI1PK: accountPk(r.accountId),
    GSI1SK: `USAGE#${r.week}`,
  }),
  subscriptions: (r) => identityKeys('SUBSCRIPTION', r.lineId, r.accountId),
  renewals: (r) => identityKeys('RENEWAL', r.renewalId, r.accountId),
  expansions: (r) => identityKeys('EXPANSION', r.opportunityId, r.accountId),
  tickets: (r) => identityKeys('TICKET', r.ticketId, r.accountId),
  nps: (r) => identityKeys('NPS', r.responseId, r.accountId),
  spend: (r) => ({ PK: 'SPEND', SK: r.month }),
  // Company-wide like spend: one partition per currency, one item per day.
  fx_rates: (r) => ({ PK: `FXRATE#${r.currency}`, SK: r.date }),
  // The plan: company-wide, one partition each; an annotation is identified by its date, metric and text.
  targets: (r) => ({ PK: 'TARGET', SK: `${r.metric}#${r.period}` }),
  annotations: (r) => ({ PK: 'ANNOTATION', SK: `${r.date}#${r.metric ?? ''}#${r.text}` }),
};

// ---- keys of KPI snapshots -----------------------------------------------------------------

export const SNAPSHOT_ENTITY = 'snapshot';
export const snapshotPk = (scope: string): string => `SNAPSHOT#${scope}`;
export const snapshotSk = (week: string): string => `WEEK#${week}`;

// ---- keys of the run ledger and of source sync state (docs/data-store.md) ------------------

export const RUN_ENTITY = 'run';
export const runKey = (runId: string): ItemKey => ({ PK: `RUN#${runId}`, SK: 'RUN' });
/** GSI1: the runs of one kind, newest first by (startedAt, runId). */
export const runsGsi1pk = (kind: string): string => `RUNS#${kind}`;
export const runsGsi1sk = (startedAt: string, runId: string): string => `${startedAt}#${runId}`;

export const SYNC_STATE_ENTITY = 'sync-state';
/** One item per (source, key): e.g. the high-water mark of an HTTP resource. */
export const syncStateKey = (source: string, key: string): ItemKey => ({ PK: `SOURCE#${source}`, SK: `SYNC#${key}` });

// ---- keys of send claims (once-only email sends, docs/data-store.md) -----------------------

export const SEND_ENTITY = 'send';
/** One item per (kind, period, recipient): the claim, then the SES message id once sent. */
export const sendKey = (kind: string, period: string, recipient: string): ItemKey => ({
  PK: `SEND#${kind}#${period}`,
  SK: `TO#${recipient}`,
});

// ---- keys of alert state (renewal-risk alerts, docs/data-store.md) --------------------------

export const ALERT_ENTITY = 'alert';
export const ALERT_CURSOR_ENTITY = 'alert-cursor';
/** Every alert state in one partition (a few thousand small items at most): one Query lists them. */
export const alertKey = (alertId: string): ItemKey => ({ PK: 'ALERTS', SK: `ALERT#${alertId}` });
/** The end of the last digest window sent to one (audience, recipient). */
export const alertCursorKey = (audience: string, recipient: string): ItemKey => ({
  PK: 'ALERT-DIGEST',
  SK: `CURSOR#${audience}#${recipient}`,
});

// ---- keys of archive access: links, one-time codes, rate limits (docs/archive-access.md) -----

export const LINK_ENTITY = 'archive-link';
export const linkKey = (linkId: string): ItemKey => ({ PK: `LINK#${linkId}`, SK: 'LINK' });
/** GSI1: every archive link, newest first by (createdAt, linkId). */
export const LINKS_GSI1PK = 'LINKS';
export const CODE_ENTITY = 'archive-code';
export const codeKey = (challengeId: string): ItemKey => ({ PK: `CODE#${challengeId}`, SK: 'CODE' });
/** A single-use id (an alert action link's nonce, a Slack request's signature), kept until it expires (TTL). */
export const USED_ENTITY = 'used-id';
export const usedIdKey = (id: string): ItemKey => ({ PK: `USED#${id}`, SK: 'USED' });
export const RATE_ENTITY = 'rate';
export const rateKey = (bucket: string, windowStart: number): ItemKey => ({
  PK: `RATE#${bucket}`,
  SK: `W#${windowStart}`,
});
/** Partition-key prefixes the download endpoint may touch in the Pulse table (its IAM condition). */
export const ACCESS_KEY_PREFIXES = ['LINK#', 'CODE#', 'RATE#', LINKS_GSI1PK] as const;

// ---- the audit table: one item per attempt on an archive link -------------------------------

/** Audit items are partitioned by month (`AUDIT#2026-12`), sorted by time. */
export const auditPk = (at: string): string => `AUDIT#${at.slice(0, 7)}`;

/** Key schema of the audit table (append-only: the endpoint may only PutItem). */
export function auditTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: ATTR.pk, AttributeType: 'S' },
      { AttributeName: ATTR.sk, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: ATTR.pk, KeyType: 'HASH' },
      { AttributeName: ATTR.sk, KeyType: 'RANGE' },
    ],
  };
}
