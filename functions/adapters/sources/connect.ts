// From a configured source (pulse.config.json `sources`) to a ContractSource. The ingest job (its
// SourceConnector adapter, ./connector.ts) and the CLI use this, so both build the same connector
// the same way; the ingest options of a source are the use case's (functions/app/ingest-job.ts).
import type { S3Client } from '@aws-sdk/client-s3';
import type { SourceDefinition, StripeSourceDefinition, ZendeskSourceDefinition } from '../../domain/sources/registry';
import type { ContractSource } from '../../ports/source';
import type { SyncStateStore } from '../../ports/sync-state';
import { DropZoneSource, INCOMING_PREFIX, patternRecogniser } from '../s3/dropzone-source';
import { HttpJsonSource, type HttpJsonSourceOptions } from './http/source';
import type { SecretResolver } from './http/credentials';
import { StripeSource, type StripeSourceOptions } from './stripe/source';
import { EcbRatesSource } from './ecb/source';
import { ZendeskSource, type ZendeskCredentials, type ZendeskSourceOptions } from './zendesk/source';
import { salesforceApiFor, type SalesforceHttpHooks } from './salesforce/api';
import { SalesforceSource } from './salesforce/source';
import { HubSpotSource, type HubSpotSourceOptions } from './hubspot/source';
import { hubspotToken } from './hubspot/token';
import type { AccountDirectory } from '../../domain/sources/account-identity';

export interface ConnectDeps {
  s3: S3Client;
  dropzoneBucket: string;
  secrets: SecretResolver;
  syncState?: SyncStateStore;
  /** The company's IANA time zone: billing timestamps become local dates in it (needed by Stripe). */
  timeZone?: string;
  /** The reporting currency (ISO 4217): exchange-rate sources give rates into it. */
  reportingCurrency?: string;
  /** Where a connector's key variables are read (default: the process environment). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Test hooks for the HTTP connector. */
  http?: Pick<HttpJsonSourceOptions, 'fetch' | 'sleep' | 'random' | 'onPage'>;
  /** Test hooks for the Stripe connector. */
  stripe?: Pick<StripeSourceOptions, 'sleep' | 'random' | 'now' | 'stopWithMsLeft'>;
  /**
   * The billing accounts by e-mail domain, for the CRM connectors' `domain` identity rule (absent =
   * no domain matches). One with `load()` (StoredAccountDirectory) is read before each CRM or
   * help-desk run, so it sees the latest billing sync.
   */
  accountDirectory?: AccountDirectory & { load?(): Promise<void> };
  /** Test hooks for the Zendesk connector's HTTP client. */
  zendesk?: Pick<ZendeskSourceOptions, 'fetch' | 'sleep' | 'random' | 'now'>;
  /** Test hooks for the Salesforce connector's HTTP client. */
  salesforce?: SalesforceHttpHooks;
  /** Test hooks for the HubSpot connector. */
  hubspot?: Pick<HubSpotSourceOptions, 'fetch' | 'sleep' | 'random' | 'now'>;
}

export interface ConnectOptions {
  /** Drop-zone: read only these keys (an S3 event), instead of listing incoming/<name>/. */
  keys?: string[];
  /** HTTP: ignore stored high-water marks. */
  full?: boolean;
  /** HTTP: stop after this many pages per resource (a dry run); the high-water mark is not stored. */
  pageLimit?: number;
  /** Remember nothing: no sync state is read or written, so everything is read (an export). */
  readOnly?: boolean;
  /** Stripe: ms this invocation has left; a long full sync checkpoints and stops before it runs out. */
  remainingMs?: () => number;
}

/** `incoming/<name>/`: where a drop-zone source's files arrive. */
export const dropZonePrefix = (name: string): string => `${INCOMING_PREFIX}${name}/`;

/** Connectors that match their records to billing's accounts (the others never read the directory). */
const NO_DIRECTORY: ReadonlySet<SourceDefinition['connector']> = new Set([
  's3-dropzone',
  'http-json',
  'stripe',
  'ecb-rates',
]);

export function connectSource(def: SourceDefinition, deps: ConnectDeps, opts: ConnectOptions = {}): ContractSource {
  const source = buildSource(def, deps, opts);
  const directory = deps.accountDirectory;
  if (!directory?.load || NO_DIRECTORY.has(def.connector)) return source;
  return new DirectoryFirst(source, () => directory.load!());
}

/** A source whose account directory is read before its first file. */
class DirectoryFirst implements ContractSource {
  readonly description: string;
  constructor(
    private readonly inner: ContractSource,
    private readonly load: () => Promise<void>,
  ) {
    this.description = inner.description;
  }

  async *files() {
    await this.load();
    yield* this.inner.files();
  }

  ignored(): Promise<string[]> {
    return this.inner.ignored();
  }

  continues(): boolean {
    return this.inner.continues?.() ?? false;
  }

  counts(): Record<string, number> {
    return this.inner.counts?.() ?? {};
  }
}

function buildSource(def: SourceDefinition, deps: ConnectDeps, opts: ConnectOptions): ContractSource {
  if (def.connector === 's3-dropzone') {
    return new DropZoneSource({
      client: deps.s3,
      bucket: deps.dropzoneBucket,
      prefix: dropZonePrefix(def.name),
      ...(opts.keys ? { keys: opts.keys } : {}),
      recognise: patternRecogniser(def.files, def.entities),
    });
  }
  const syncState = opts.readOnly ? undefined : deps.syncState;
  if (def.connector === 'ecb-rates') {
    if (!deps.reportingCurrency)
      throw new Error(
        `source "${def.name}": the ECB rates source needs the reporting currency (ConnectDeps.reportingCurrency)`,
      );
    return new EcbRatesSource({
      definition: def,
      reportingCurrency: deps.reportingCurrency,
      ...(deps.http ? { http: deps.http } : {}),
    });
  }
  if (def.connector === 'stripe') {
    if (!deps.timeZone)
      throw new Error(`source "${def.name}": the Stripe connector needs the company time zone (ConnectDeps.timeZone)`);
    return new StripeSource({
      definition: def,
      timeZone: deps.timeZone,
      apiKey: () => stripeKey(def, deps),
      ...(syncState ? { syncState } : {}),
      ...(opts.full ? { full: true } : {}),
      ...(opts.remainingMs ? { remainingMs: opts.remainingMs } : {}),
      ...deps.stripe,
    });
  }
  if (def.connector === 'salesforce') {
    if (!deps.timeZone)
      throw new Error(
        `source "${def.name}": the Salesforce connector needs the company time zone (ConnectDeps.timeZone)`,
      );
    return new SalesforceSource({
      definition: def,
      timeZone: deps.timeZone,
      api: salesforceApiFor(def, {
        env: deps.env ?? process.env,
        secrets: deps.secrets,
        ...(deps.salesforce ? { hooks: deps.salesforce } : {}),
      }),
      ...(syncState ? { syncState } : {}),
      ...(opts.full ? { full: true } : {}),
      ...(deps.accountDirectory ? { directory: deps.accountDirectory } : {}),
      ...(opts.remainingMs ? { remainingMs: opts.remainingMs } : {}),
    });
  }
  if (def.connector === 'zendesk') {
    if (!deps.timeZone)
      throw new Error(`source "${def.name}": the Zendesk connector needs the company time zone (ConnectDeps.timeZone)`);
    return new ZendeskSource({
      definition: def,
      timeZone: deps.timeZone,
      credentials: () => zendeskCredentials(def, deps),
      ...(deps.accountDirectory ? { accountDirectory: deps.accountDirectory } : {}),
      ...(syncState ? { syncState } : {}),
      ...(opts.full ? { full: true } : {}),
      ...deps.zendesk,
    });
  }
  if (def.connector === 'hubspot') {
    if (!deps.timeZone)
      throw new Error(`source "${def.name}": the HubSpot connector needs the company time zone (ConnectDeps.timeZone)`);
    return new HubSpotSource({
      definition: def,
      timeZone: deps.timeZone,
      token: () => hubspotToken(def, deps.env ?? process.env, deps.secrets),
      ...(deps.accountDirectory ? { directory: deps.accountDirectory } : {}),
      ...(syncState ? { syncState } : {}),
      ...(opts.full ? { full: true } : {}),
      ...deps.hubspot,
    });
  }
  return new HttpJsonSource({
    definition: def,
    secrets: deps.secrets,
    ...(syncState ? { syncState } : {}),
    ...(opts.full ? { full: true } : {}),
    ...(opts.pageLimit !== undefined ? { pageLimit: opts.pageLimit } : {}),
    ...deps.http,
  });
}

/** The Stripe key: the environment variable first (local), else the Secrets Manager secret (AWS). */
async function stripeKey(
  def: StripeSourceDefinition,
  deps: ConnectDeps,
): Promise<{ key: string; from: string } | undefined> {
  const env = deps.env ?? process.env;
  const fromEnv = env[def.stripe.secretKeyEnv]?.trim();
  if (fromEnv) return { key: fromEnv, from: `the environment variable ${def.stripe.secretKeyEnv}` };
  if (!def.stripe.secretName) return undefined;
  const secret = (await deps.secrets.get(def.stripe.secretName))?.trim();
  if (!secret) return undefined;
  let key = secret;
  if (secret.startsWith('{')) {
    // A JSON secret: { "apiKey": "sk_..." }.
    const doc = JSON.parse(secret) as { apiKey?: unknown };
    if (typeof doc.apiKey !== 'string') return undefined;
    key = doc.apiKey;
  }
  return { key, from: `the secret "${def.stripe.secretName}"` };
}

/** Zendesk's agent e-mail and API token: the environment variables first (local), else the secret (AWS). */
async function zendeskCredentials(
  def: ZendeskSourceDefinition,
  deps: ConnectDeps,
): Promise<ZendeskCredentials | undefined> {
  const env = deps.env ?? process.env;
  const z = def.zendesk;
  const email = env[z.emailEnv]?.trim();
  const token = env[z.tokenEnv]?.trim();
  if (email && token) return { email, token, from: `the environment variables ${z.emailEnv} and ${z.tokenEnv}` };
  if (!z.secretName) return undefined;
  const secret = (await deps.secrets.get(z.secretName))?.trim();
  if (!secret?.startsWith('{')) return undefined;
  const doc = JSON.parse(secret) as { email?: unknown; token?: unknown };
  if (typeof doc.email !== 'string' || typeof doc.token !== 'string') return undefined;
  return { email: doc.email, token: doc.token, from: `the secret "${z.secretName}"` };
}
