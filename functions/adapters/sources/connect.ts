// From a configured source (pulse.config.json `sources`) to a ContractSource. The ingest job (its
// SourceConnector adapter, ./connector.ts) and the CLI use this, so both build the same connector
// the same way; the ingest options of a source are the use case's (functions/app/ingest-job.ts).
import type { S3Client } from '@aws-sdk/client-s3';
import type { SourceDefinition, ZendeskSourceDefinition } from '../../domain/sources/registry';
import type { ContractSource } from '../../ports/source';
import type { SyncStateStore } from '../../ports/sync-state';
import { DropZoneSource, INCOMING_PREFIX, patternRecogniser } from '../s3/dropzone-source';
import { HttpJsonSource, type HttpJsonSourceOptions } from './http/source';
import { envOrSecretKey, type SecretResolver } from './http/credentials';
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
  // What every API connector takes from the run: the sync state (none in a read-only run) and a full re-read.
  const syncState = opts.readOnly ? undefined : deps.syncState;
  const sync = { ...(syncState ? { syncState } : {}), ...(opts.full ? { full: true } : {}) };
  const remainingMs = opts.remainingMs ? { remainingMs: opts.remainingMs } : {};
  const env = deps.env ?? process.env;
  if (def.connector === 'stripe') {
    return new StripeSource({
      definition: def,
      timeZone: companyTimeZone(def, deps, 'Stripe'),
      apiKey: () =>
        envOrSecretKey(
          { envName: def.stripe.secretKeyEnv, secretName: def.stripe.secretName, jsonKey: 'apiKey' },
          env,
          deps.secrets,
        ),
      ...sync,
      ...remainingMs,
      ...deps.stripe,
    });
  }
  if (def.connector === 'salesforce') {
    return new SalesforceSource({
      definition: def,
      timeZone: companyTimeZone(def, deps, 'Salesforce'),
      api: salesforceApiFor(def, {
        env,
        secrets: deps.secrets,
        ...(deps.salesforce ? { hooks: deps.salesforce } : {}),
      }),
      ...(deps.accountDirectory ? { directory: deps.accountDirectory } : {}),
      ...sync,
      ...remainingMs,
    });
  }
  if (def.connector === 'zendesk') {
    return new ZendeskSource({
      definition: def,
      timeZone: companyTimeZone(def, deps, 'Zendesk'),
      credentials: () => zendeskCredentials(def, deps),
      ...(deps.accountDirectory ? { accountDirectory: deps.accountDirectory } : {}),
      ...sync,
      ...deps.zendesk,
    });
  }
  if (def.connector === 'hubspot') {
    return new HubSpotSource({
      definition: def,
      timeZone: companyTimeZone(def, deps, 'HubSpot'),
      token: () => hubspotToken(def, env, deps.secrets),
      ...(deps.accountDirectory ? { directory: deps.accountDirectory } : {}),
      ...sync,
      ...deps.hubspot,
    });
  }
  return new HttpJsonSource({
    definition: def,
    secrets: deps.secrets,
    ...sync,
    ...(opts.pageLimit !== undefined ? { pageLimit: opts.pageLimit } : {}),
    ...deps.http,
  });
}

/** The company time zone: the billing, CRM and help-desk connectors turn timestamps into local dates in it. */
function companyTimeZone(def: SourceDefinition, deps: ConnectDeps, vendor: string): string {
  if (!deps.timeZone)
    throw new Error(`source "${def.name}": the ${vendor} connector needs the company time zone (ConnectDeps.timeZone)`);
  return deps.timeZone;
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
