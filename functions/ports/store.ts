// The persistence port: what the use cases need from the data store (DynamoDB in AWS and locally).
import type { EntityName, EntityTypes } from '../domain/contract/entities';
import type { Dataset } from '../domain/contract/validate';
import type { IsoDate } from '../domain/dates';

export interface LoadDatasetOptions {
  /**
   * Usage rows of weeks before this date may be left out (a hint: a store may return them anyway).
   * Weekly usage is nine records in ten, and a week's KPIs look back only a few weeks
   * (`usageNeededFrom` in the KPI engine).
   */
  usageFrom?: IsoDate;
}

/** A stored weekly KPI snapshot for one scope (`company` or `segment:<name>`). */
export interface KpiSnapshot {
  scope: string;
  /** ISO week label of asOf, e.g. `2026-W47`. */
  week: string;
  asOf: string;
  computedAt: string;
  /** The KPI document (the `pulse kpis --json` shape) for this scope. */
  kpis: unknown;
}

export interface Store {
  /** Upserts records by entity id (a later write with the same id replaces the earlier one). */
  putRecords<K extends EntityName>(entity: K, records: readonly EntityTypes[K][]): Promise<void>;
  /** Deletes records by identity (only their id fields are read); optional: stores without it cannot take source deletes. */
  deleteRecords?<K extends EntityName>(entity: K, records: readonly Partial<EntityTypes[K]>[]): Promise<void>;
  /** Every stored record of every entity (but see `usageFrom`). */
  loadDataset(opts?: LoadDatasetOptions): Promise<Dataset>;
  /** Number of stored records per entity. */
  countRecords(): Promise<Record<EntityName, number>>;

  putSnapshot(snapshot: KpiSnapshot): Promise<void>;
  getSnapshot(scope: string, week: string): Promise<KpiSnapshot | undefined>;
  /** Snapshots of one scope with week labels in [fromWeek, toWeek], oldest first. */
  listSnapshots(scope: string, fromWeek: string, toWeek: string): Promise<KpiSnapshot[]>;
}
