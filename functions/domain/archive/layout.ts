// Where packs live in the archive bucket. A pack is a folder; its first version sits directly in
// the period's folder, a regenerated version n >= 2 in `v<n>/` below it, so a pack is never
// replaced and every version keeps its own manifest:
//
//   archive/index.html                               every pack, newest first (rebuilt on each run)
//   archive/weekly/<YYYY>/index.html                 the packs of one ISO week-year
//   archive/weekly/<YYYY>/<YYYY-Www>/                version 1 of a week's pack
//   archive/weekly/<YYYY>/<YYYY-Www>/v2/             version 2 (a regeneration, with its reason)
//   archive/quarterly/FY<YYYY>-Q<n>/                 quarter-end pack (fiscal calendar)
import type { FiscalQuarter } from '../dates';

export const ARCHIVE_ROOT = 'archive/';
export const INDEX_KEY = `${ARCHIVE_ROOT}index.html`;
export const MANIFEST_NAME = 'manifest.json';

export type PackKind = 'weekly' | 'quarterly';

export interface PackRef {
  kind: PackKind;
  /** `2026-W47` or `FY2027-Q1`. */
  period: string;
}

const WEEK = /^(\d{4})-W(\d{2})$/;
const QUARTER = /^FY(\d{4})-Q([1-4])$/;

export function weeklyPack(week: string): PackRef {
  if (!WEEK.test(week)) throw new RangeError(`"${week}" is not an ISO week label (YYYY-Www)`);
  return { kind: 'weekly', period: week };
}

export function quarterlyPack(q: Pick<FiscalQuarter, 'label'>): PackRef {
  if (!QUARTER.test(q.label)) throw new RangeError(`"${q.label}" is not a fiscal quarter label (FYYYYY-Qn)`);
  return { kind: 'quarterly', period: q.label };
}

/** A `2026-W47` or `FY2027-Q1` label as a pack reference. */
export function parsePackLabel(label: string): PackRef {
  if (WEEK.test(label)) return weeklyPack(label);
  if (QUARTER.test(label)) return { kind: 'quarterly', period: label };
  throw new RangeError(`"${label}" is neither an ISO week (2026-W47) nor a fiscal quarter (FY2027-Q1)`);
}

/** The period's folder (where version 1 lives). */
export function periodPrefix(ref: PackRef): string {
  if (ref.kind === 'weekly') return `${ARCHIVE_ROOT}weekly/${ref.period.slice(0, 4)}/${ref.period}/`;
  return `${ARCHIVE_ROOT}quarterly/${ref.period}/`;
}

/** The folder of one version of a pack. */
export function versionPrefix(ref: PackRef, version: number): string {
  if (!Number.isInteger(version) || version < 1)
    throw new RangeError(`pack version must be a whole number >= 1 (got ${version})`);
  return version === 1 ? periodPrefix(ref) : `${periodPrefix(ref)}v${version}/`;
}

/** The per-year index page of weekly packs. */
export function yearIndexKey(year: string): string {
  return `${ARCHIVE_ROOT}weekly/${year}/index.html`;
}

/** The workbook's file name: `pulse-2026-W47.xlsx`, `pulse-FY2027-Q1.xlsx`. */
export function workbookName(ref: PackRef): string {
  return `pulse-${ref.period}.xlsx`;
}

/**
 * Versions present under a period's folder, from its keys: which versions have any object and
 * which have a manifest (a version is complete once its manifest exists: it is written last).
 */
export function versionsIn(ref: PackRef, keys: readonly string[]): { used: number[]; complete: number[] } {
  const base = periodPrefix(ref);
  const used = new Set<number>();
  const complete = new Set<number>();
  for (const key of keys) {
    if (!key.startsWith(base)) continue;
    const rest = key.slice(base.length);
    const m = /^v(\d+)\/(.+)$/.exec(rest);
    let version: number;
    let name: string;
    if (m && Number(m[1]) >= 2) {
      version = Number(m[1]);
      name = m[2]!;
    } else if (!rest.includes('/')) {
      version = 1;
      name = rest;
    } else continue;
    used.add(version);
    if (name === MANIFEST_NAME) complete.add(version);
  }
  const sort = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { used: sort(used), complete: sort(complete) };
}

/** Every manifest key under `archive/`, with the pack and version it belongs to. */
export function manifestKeysIn(keys: readonly string[]): { key: string; ref: PackRef; version: number }[] {
  const out: { key: string; ref: PackRef; version: number }[] = [];
  const re = /^archive\/(?:weekly\/\d{4}\/(\d{4}-W\d{2})|quarterly\/(FY\d{4}-Q[1-4]))\/(?:v(\d+)\/)?manifest\.json$/;
  for (const key of keys) {
    const m = re.exec(key);
    if (!m) continue;
    const ref: PackRef = m[1] ? { kind: 'weekly', period: m[1] } : { kind: 'quarterly', period: m[2]! };
    out.push({ key, ref, version: m[3] ? Number(m[3]) : 1 });
  }
  return out;
}
