// The manifest of a pack: what is in it (every file's SHA-256 and size), where it came from (run
// id, config hash, metric definitions version, input row counts), which version it is and why it
// was regenerated, and the headline figures the index shows. Written last: a pack without a
// manifest is incomplete.
import { createHash } from 'node:crypto';
import type { EntityName } from '../contract/entities';
import type { Dataset } from '../contract/validate';
import type { IsoDate } from '../dates';
import type { KpiResult } from '../kpi';
import type { PackKind } from './layout';

export const MANIFEST_SCHEMA = 'pulse.archive.manifest/v1';

/**
 * Version of the metric definitions (docs/metrics.md) the figures follow. Bump it whenever a
 * definition changes, so a reader can tell packs computed under different rules apart.
 */
export const METRIC_DEFINITIONS_VERSION = '2026.2';

export interface ManifestFile {
  name: string;
  key: string;
  contentType: string;
  bytes: number;
  sha256: string;
  /** Data rows (without the header) of a CSV extract. */
  rows?: number;
}

export interface Headline {
  currency: string;
  closingArr: number;
  openingArr: number;
  netNewArr: number;
  customers: number;
  nrr: number | null;
  grr: number | null;
  arrAtRisk: number;
  /** The fiscal quarter to date (or the whole quarter of a quarter-end pack). */
  qtdNetNewArr: number;
}

export interface Regeneration {
  reason: string;
  /** The version this one follows. */
  previousVersion: number;
  /** The manifest of the previous version, when it has one (an unfinished attempt has none). */
  supersedes: string | null;
}

export interface PackManifest {
  schema: typeof MANIFEST_SCHEMA;
  kind: PackKind;
  /** `2026-W47` or `FY2027-Q1`. */
  period: string;
  /** The reported date: the week's last day, or the quarter's last day. */
  asOf: IsoDate;
  weekStart?: IsoDate;
  quarter?: { label: string; start: IsoDate; end: IsoDate };
  version: number;
  prefix: string;
  runId: string;
  generatedAt: string;
  configHash: string;
  metricDefinitionsVersion: string;
  inputRowCounts: Record<EntityName, number>;
  regeneration: Regeneration | null;
  headline: Headline;
  files: ManifestFile[];
}

export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** `sha256:<hex>` of the config's canonical JSON (key order does not matter). */
export function configHash(config: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(config))}`;
}

export function inputRowCounts(data: Dataset): Record<EntityName, number> {
  return {
    accounts: data.accounts.length,
    subscriptions: data.subscriptions.length,
    renewals: data.renewals.length,
    expansions: data.expansions.length,
    usage: data.usage.length,
    tickets: data.tickets.length,
    nps: data.nps.length,
    spend: data.spend.length,
    fx_rates: data.fx_rates.length,
    targets: data.targets.length,
    annotations: data.annotations.length,
  };
}

export function headlineOf(r: KpiResult): Headline {
  const b = r.arrBridge;
  const q = r.arrBridgeQtd;
  return {
    currency: r.currency,
    closingArr: b.close / 100,
    openingArr: b.open / 100,
    netNewArr: (b.close - b.open) / 100,
    customers: r.customers.close,
    nrr: r.retention.nrr,
    grr: r.retention.grr,
    arrAtRisk: r.health.arrAtRisk / 100,
    qtdNetNewArr: (q.close - q.open) / 100,
  };
}

/** Checks bodies against the manifest: the names of missing files and of files whose size or SHA-256 differ. */
export function verifyAgainstManifest(
  manifest: PackManifest,
  bodies: ReadonlyMap<string, Uint8Array>,
): { missing: string[]; mismatched: string[] } {
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const f of manifest.files) {
    const body = bodies.get(f.name);
    if (!body) missing.push(f.name);
    else if (body.byteLength !== f.bytes || sha256Hex(body) !== f.sha256) mismatched.push(f.name);
  }
  return { missing, mismatched };
}

/** Parses a manifest document; throws a RangeError on anything that is not one. */
export function parseManifest(text: string, where = 'manifest'): PackManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`${where} is not JSON: ${(e as Error).message}`);
  }
  const m = doc as Partial<PackManifest>;
  if (
    m?.schema !== MANIFEST_SCHEMA ||
    !Array.isArray(m.files) ||
    typeof m.period !== 'string' ||
    typeof m.version !== 'number'
  ) {
    throw new RangeError(`${where} is not a Pulse archive manifest (${MANIFEST_SCHEMA})`);
  }
  return m as PackManifest;
}
