// Archive a reported week for finance: write the week's pack (the report as sent, kpis.json, the
// CSV extracts, the workbook and the manifest) under archive/weekly/<YYYY>/<YYYY-Www>/, a
// quarter-end pack under archive/quarterly/FY<YYYY>-Q<n>/ when the week holds the last day of a
// fiscal quarter, and rebuild the index pages.
//
// Immutability: every object of a pack is written with putIfAbsent (S3 If-None-Match: *), and the
// manifest is written last. A complete pack is never written again: running the same week again
// without a reason changes nothing (a retried or duplicated schedule is harmless). With a reason,
// a new version is written beside the old one (`v2/`, `v3/` ...), its manifest naming the reason
// and the version it supersedes. A version left without a manifest (a run that stopped half way)
// is kept as it is and the next run writes the following version, saying so.
import type { RunLedger } from '../ports/run-ledger';
import { recordRunIf } from './record-run';
import { addDays, fiscalQuarterOf, type FiscalQuarter, type IsoDate } from '../domain/dates';
import type { Dataset } from '../domain/contract/validate';
import {
  kpisAt,
  partitionBySegment,
  prepareKpiContext,
  type KpiContext,
  type KpiResult,
  type KpiScopes,
  type KpiSettings,
} from '../domain/kpi';
import {
  ARCHIVE_ROOT,
  CONTENT_TYPES,
  MANIFEST_NAME,
  buildManifest,
  buildPackFiles,
  manifestFile,
  manifestKeysIn,
  parseManifest,
  periodPrefix,
  quarterPeriods,
  quarterlyPack,
  renderIndexPages,
  sha256Hex,
  versionPrefix,
  versionsIn,
  weeklyPack,
  weeklyPeriods,
  type BridgePeriod,
  type IndexEntry,
  type PackFile,
  type PackManifest,
  type PackRef,
  type Regeneration,
  type ReportAsSent,
} from '../domain/archive';
import { isoWeekLabel } from '../domain/dates';
import type { ArchiveStore } from '../ports/archive';
import type { BoardPackRenderer } from '../ports/board-pack-renderer';
import { boardPackOf } from './board-pack';

export type ArchiveErrorCode = 'VERSION_TAKEN' | 'WRITE_CORRUPTED' | 'BAD_MANIFEST' | 'BAD_INPUT';

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
  constructor(
    readonly code: ArchiveErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ArchiveWeekInput {
  data: Dataset;
  settings: KpiSettings;
  /** The reported week's last day. */
  asOf: IsoDate;
  /** The email as sent. */
  report: ReportAsSent;
  /** Identifies the run (e.g. the schedule's scheduled time, or the CLI's run id). */
  runId: string;
  /** ISO timestamp of the run. */
  generatedAt: string;
  /** configHash(config) of the config the figures were computed with. */
  configHash: string;
  /** Why the pack is written again. Without it an existing complete pack is left as it is. */
  reason?: string;
  companyName?: string;
  locale?: string;
  /** The company KPI context of `data` when the caller already has it (computeWeek's). */
  context?: KpiContext;
  /** The per-segment contexts of `data` when the caller already has them (the report's). */
  segmentContexts?: ReadonlyMap<string, KpiContext>;
  /** Links on the index pages (default: relative links). */
  link?: (key: string, fromKey: string) => string;
  /** Records the run (kind `archive`) when given. */
  runLedger?: RunLedger;
  /** What started it, for the run ledger. */
  trigger?: string;
  /**
   * A run that finds another run writing the same version (a duplicated or concurrent scheduled
   * event) waits this long for that run's manifest and then reports the pack as `exists`, instead
   * of failing (default 60 s; regenerations with a `reason` never wait: they fail and can be rerun).
   */
  waitForOtherRunMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Draws the board pack PDF of a quarter-end pack (`board-pack-FY2027-Q3.pdf`); without it the pack has none. */
  boardPack?: BoardPackRenderer;
}

export interface PackOutcome {
  ref: PackRef;
  /** `written`: this run wrote the version; `exists`: a complete pack was there and nothing was written. */
  status: 'written' | 'exists';
  version: number;
  prefix: string;
  manifestKey: string;
  manifest: PackManifest;
}

export interface ArchiveWeekResult {
  weekly: PackOutcome;
  /** Present when the week holds the last day of a fiscal quarter. */
  quarterly?: PackOutcome;
  /** Index pages written. */
  index: string[];
}

/** The fiscal quarter whose last day falls in the week ending asOf, if any. */
export function quarterEndingIn(asOf: IsoDate, fiscalYearStartMonth: number) {
  const q = fiscalQuarterOf(addDays(asOf, -6), fiscalYearStartMonth);
  return q.end <= asOf ? q : undefined;
}

export async function archiveWeek(archive: ArchiveStore, input: ArchiveWeekInput): Promise<ArchiveWeekResult> {
  const spec = {
    kind: 'archive' as const,
    subject: 'weekly',
    period: isoWeekLabel(input.asOf),
    ...(input.trigger ? { trigger: input.trigger } : {}),
  };
  return recordRunIf(input.runLedger, spec, async (run) => {
    const out = await writePacks(archive, input);
    for (const p of [out.weekly, ...(out.quarterly ? [out.quarterly] : [])]) {
      run?.count(p.status === 'written' ? 'packsWritten' : 'packsExisting');
      if (p.status === 'written') run?.count('files', p.manifest.files.length);
    }
    return out;
  });
}

async function writePacks(archive: ArchiveStore, input: ArchiveWeekInput): Promise<ArchiveWeekResult> {
  if (input.reason !== undefined && input.reason.trim() === '')
    throw new ArchiveError('BAD_INPUT', 'the regeneration reason must not be empty');
  const ctx = input.context ?? prepareKpiContext(input.data, input.settings);
  let segmentContexts: [string, KpiContext][] | undefined;
  const segmentsAt = (date: IsoDate): Map<string, KpiResult> => {
    segmentContexts ??= input.segmentContexts
      ? [...input.segmentContexts]
      : [...partitionBySegment(input.data)].map(([s, part]) => [
          s,
          prepareKpiContext(part, input.settings, { segment: s }),
        ]);
    return new Map(segmentContexts.map(([s, c]) => [s, kpisAt(c, date)]));
  };
  const scopes = () => {
    segmentsAt(input.asOf);
    return { company: ctx, segments: new Map(segmentContexts) };
  };

  const result = kpisAt(ctx, input.asOf);
  const weekly = await writePack(archive, {
    ref: weeklyPack(isoWeekLabel(input.asOf)),
    input,
    result,
    build: () => ({ ctx, result, segments: segmentsAt(input.asOf), periods: weeklyPeriods(result) }),
  });

  let quarterly: PackOutcome | undefined;
  const q = quarterEndingIn(input.asOf, input.settings.fiscalYearStartMonth);
  if (q) {
    const qResult = kpisAt(ctx, q.end);
    quarterly = await writePack(archive, {
      ref: quarterlyPack(q),
      input,
      result: qResult,
      quarter: { label: q.label, start: q.start, end: q.end },
      build: () => ({ ctx, result: qResult, segments: segmentsAt(q.end), periods: quarterPeriods(qResult) }),
      ...(input.boardPack ? { extraFiles: () => boardPackFiles(input.boardPack!, input, q, scopes()) } : {}),
    });
  }

  const index = await rebuildIndex(archive, {
    generatedAt: input.generatedAt,
    ...(input.companyName ? { title: `${input.companyName}: Pulse archive` } : {}),
    ...(input.locale ? { locale: input.locale } : {}),
    ...(input.link ? { link: input.link } : {}),
  });
  return { weekly, ...(quarterly ? { quarterly } : {}), index };
}

interface PackJob {
  ref: PackRef;
  input: ArchiveWeekInput;
  result: KpiResult;
  quarter?: { label: string; start: string; end: string };
  build: () => { ctx: KpiContext; result: KpiResult; segments: Map<string, KpiResult>; periods: BridgePeriod[] };
  /** Files made beside the extracts (the quarter's board pack PDF), listed in the manifest like them. */
  extraFiles?: () => Promise<PackFile[]>;
}

/** The quarter-end pack's board pack: the same PDF as `pulse archive board-pack --quarter <label>`. */
async function boardPackFiles(
  renderer: BoardPackRenderer,
  input: ArchiveWeekInput,
  q: FiscalQuarter,
  scopes: KpiScopes,
): Promise<PackFile[]> {
  const quarter = { label: q.label, kind: 'quarter' as const, fiscalYear: q.fiscalYear, start: q.start, end: q.end };
  const settings = { kpi: input.settings, companyName: input.companyName ?? 'Pulse', locale: input.locale ?? 'en-US' };
  const pack = await boardPackOf(renderer, settings, input.data, quarter, input.generatedAt, scopes);
  return [{ name: pack.fileName, body: Buffer.from(pack.pdf), contentType: CONTENT_TYPES.pdf }];
}

const manifestKeyOf = (ref: PackRef, version: number) => `${versionPrefix(ref, version)}${MANIFEST_NAME}`;

async function writePack(archive: ArchiveStore, job: PackJob): Promise<PackOutcome> {
  const { ref, input } = job;
  const { used, complete } = versionsIn(ref, await archive.list(periodPrefix(ref)));
  const lastUsed = used.at(-1);
  const lastComplete = complete.at(-1);

  if (input.reason === undefined && lastComplete !== undefined) {
    const manifestKey = manifestKeyOf(ref, lastComplete);
    return {
      ref,
      status: 'exists',
      version: lastComplete,
      prefix: versionPrefix(ref, lastComplete),
      manifestKey,
      manifest: await readManifest(archive, manifestKey),
    };
  }

  let regeneration: Regeneration | null = null;
  if (lastUsed !== undefined) {
    const reason =
      lastComplete === lastUsed
        ? input.reason!
        : `version ${lastUsed} was left incomplete (no manifest: a run stopped while writing it)${input.reason ? `; ${input.reason}` : ''}`;
    regeneration = {
      reason,
      previousVersion: lastUsed,
      supersedes: lastComplete !== undefined ? manifestKeyOf(ref, lastComplete) : null,
    };
  }
  const version = (lastUsed ?? 0) + 1;
  const prefix = versionPrefix(ref, version);

  const built = job.build();
  const files = await buildPackFiles({
    ref,
    ctx: built.ctx,
    result: built.result,
    segments: built.segments,
    periods: built.periods,
    fiscalYearStartMonth: input.settings.fiscalYearStartMonth,
    report: input.report,
    generatedAt: input.generatedAt,
    ...(input.companyName ? { companyName: input.companyName } : {}),
  });
  if (job.extraFiles) files.push(...(await job.extraFiles()));
  const manifest = buildManifest({
    ref,
    version,
    prefix,
    files,
    result: job.result,
    data: input.data,
    runId: input.runId,
    generatedAt: input.generatedAt,
    configHash: input.configHash,
    regeneration,
    ...(job.quarter ? { quarter: job.quarter } : {}),
  });

  // The files first, the manifest last: a version is complete exactly when its manifest exists.
  for (const f of files) {
    if (!(await archive.putIfAbsent(`${prefix}${f.name}`, f.body, f.contentType))) {
      const theirs = await otherRunsPack(archive, job, version);
      if (theirs) return theirs;
      throw new ArchiveError(
        'VERSION_TAKEN',
        `${prefix}${f.name} already exists: another run is writing version ${version} of ${ref.period}; nothing was replaced`,
      );
    }
  }
  // Read every file back before the manifest vouches for it.
  const check = await Promise.all(
    files.map(async (f) => ({ name: f.name, body: await archive.get(`${prefix}${f.name}`) })),
  );
  const bad = check.filter((c, i) => !c.body || sha256Hex(c.body) !== manifest.files[i]!.sha256).map((c) => c.name);
  if (bad.length)
    throw new ArchiveError(
      'WRITE_CORRUPTED',
      `read back different bytes for ${bad.join(', ')} under ${prefix}; the version has no manifest and the next run writes a new one`,
    );
  const mf = manifestFile(manifest);
  if (!(await archive.putIfAbsent(`${prefix}${mf.name}`, mf.body, mf.contentType))) {
    const theirs = await otherRunsPack(archive, job, version);
    if (theirs) return theirs;
    throw new ArchiveError(
      'VERSION_TAKEN',
      `${prefix}${MANIFEST_NAME} already exists: another run completed version ${version} of ${ref.period}`,
    );
  }
  return { ref, status: 'written', version, prefix, manifestKey: `${prefix}${MANIFEST_NAME}`, manifest };
}

const OTHER_RUN_POLL_MS = 2_000;

/**
 * Another run is writing the same version: for a plain (not regenerating) run, wait for that run's
 * manifest and take its pack as this week's (`exists`). Undefined when it does not appear in time
 * (that run may have stopped; the version stays incomplete and the next run writes a new one).
 */
async function otherRunsPack(archive: ArchiveStore, job: PackJob, version: number): Promise<PackOutcome | undefined> {
  const { ref, input } = job;
  if (input.reason !== undefined) return undefined;
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const manifestKey = manifestKeyOf(ref, version);
  const deadline = input.waitForOtherRunMs ?? 60_000;
  for (let waited = 0; ; waited += OTHER_RUN_POLL_MS) {
    if (await archive.get(manifestKey)) {
      return {
        ref,
        status: 'exists',
        version,
        prefix: versionPrefix(ref, version),
        manifestKey,
        manifest: await readManifest(archive, manifestKey),
      };
    }
    if (waited >= deadline) return undefined;
    await sleep(OTHER_RUN_POLL_MS);
  }
}

export async function readManifest(archive: ArchiveStore, key: string): Promise<PackManifest> {
  const body = await archive.get(key);
  if (!body) throw new ArchiveError('BAD_MANIFEST', `${key} does not exist`);
  try {
    return parseManifest(Buffer.from(body).toString('utf8'), key);
  } catch (e) {
    throw new ArchiveError('BAD_MANIFEST', (e as Error).message, { cause: e });
  }
}

/** Every pack in the archive: its latest complete version and the list of its complete versions. */
export async function listPacks(archive: ArchiveStore): Promise<IndexEntry[]> {
  const found = manifestKeysIn(await archive.list(ARCHIVE_ROOT));
  const latest = new Map<string, { key: string; versions: number[]; top: number }>();
  for (const f of found) {
    const id = `${f.ref.kind}:${f.ref.period}`;
    const cur = latest.get(id);
    if (!cur) latest.set(id, { key: f.key, versions: [f.version], top: f.version });
    else {
      cur.versions.push(f.version);
      if (f.version > cur.top) Object.assign(cur, { key: f.key, top: f.version });
    }
  }
  const entries = await mapLimit([...latest.values()], 8, async (l) => ({
    manifest: await readManifest(archive, l.key),
    versions: l.versions.sort((a, b) => a - b),
  }));
  return entries.sort((a, b) =>
    a.manifest.asOf < b.manifest.asOf
      ? 1
      : a.manifest.asOf > b.manifest.asOf
        ? -1
        : a.manifest.kind < b.manifest.kind
          ? -1
          : 1,
  );
}

export interface RebuildIndexOptions {
  generatedAt: string;
  title?: string;
  locale?: string;
  link?: (key: string, fromKey: string) => string;
}

/** Rewrites archive/index.html and the per-year pages from the manifests in the archive. */
export async function rebuildIndex(archive: ArchiveStore, opts: RebuildIndexOptions): Promise<string[]> {
  const pages = renderIndexPages(await listPacks(archive), opts);
  await Promise.all(pages.map((p) => archive.put(p.key, Buffer.from(p.html, 'utf8'), 'text/html; charset=utf-8')));
  return pages.map((p) => p.key);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
