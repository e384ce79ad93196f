// From a configured source (pulse.config.json `sources`) to a ContractSource and the options of
// its ingest run. Handlers and the CLI use this, so both build the same connector the same way.
import type { S3Client } from '@aws-sdk/client-s3';
import type { PulseConfig } from '../../config';
import { weekdayNumber, type IsoWeekday } from '../../domain/dates';
import type { EntityName } from '../../domain/contract/entities';
import type { EntityMapping } from '../../domain/sources/mapping';
import type { SourceDefinition } from '../../domain/sources/registry';
import type { ContractSource } from '../../ports/source';
import type { SyncStateStore } from '../../ports/sync-state';
import { DropZoneSource, INCOMING_PREFIX, patternRecogniser } from '../s3/dropzone-source';
import { HttpJsonSource, type HttpJsonSourceOptions } from './http/source';
import type { SecretResolver } from './http/credentials';

export interface ConnectDeps {
  s3: S3Client;
  dropzoneBucket: string;
  secrets: SecretResolver;
  syncState?: SyncStateStore;
  /** Test hooks for the HTTP connector. */
  http?: Pick<HttpJsonSourceOptions, 'fetch' | 'sleep' | 'random' | 'onPage'>;
}

export interface ConnectOptions {
  /** Drop-zone: read only these keys (an S3 event), instead of listing incoming/<name>/. */
  keys?: string[];
  /** HTTP: ignore stored high-water marks. */
  full?: boolean;
  /** HTTP: stop after this many pages per resource (a dry run); the high-water mark is not stored. */
  pageLimit?: number;
}

/** `incoming/<name>/`: where a drop-zone source's files arrive. */
export const dropZonePrefix = (name: string): string => `${INCOMING_PREFIX}${name}/`;

/** The source folder of a drop-zone key (`incoming/billing/x.csv` -> `billing`), if any. */
export function sourceNameOfKey(key: string): string | undefined {
  if (!key.startsWith(INCOMING_PREFIX)) return undefined;
  const rest = key.slice(INCOMING_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash > 0 ? rest.slice(0, slash) : undefined;
}

export function connectSource(def: SourceDefinition, deps: ConnectDeps, opts: ConnectOptions = {}): ContractSource {
  if (def.connector === 's3-dropzone') {
    return new DropZoneSource({
      client: deps.s3,
      bucket: deps.dropzoneBucket,
      prefix: dropZonePrefix(def.name),
      ...(opts.keys ? { keys: opts.keys } : {}),
      recognise: patternRecogniser(def.files, def.entities),
    });
  }
  return new HttpJsonSource({
    definition: def,
    secrets: deps.secrets,
    ...(deps.syncState ? { syncState: deps.syncState } : {}),
    ...(opts.full ? { full: true } : {}),
    ...(opts.pageLimit !== undefined ? { pageLimit: opts.pageLimit } : {}),
    ...deps.http,
  });
}

/** The ingest options of a configured source. */
export function sourceIngestOptions(
  def: SourceDefinition,
  config: PulseConfig,
): { sourceName: string; entities: readonly EntityName[]; mapping: Partial<Record<EntityName, EntityMapping>>; timeZone: string; weekStartsOn: IsoWeekday } {
  return {
    sourceName: def.name,
    entities: def.entities,
    mapping: def.mapping,
    timeZone: config.company.timezone,
    weekStartsOn: weekdayNumber(config.company.weekStartsOn),
  };
}
