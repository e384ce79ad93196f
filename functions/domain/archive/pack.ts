// The files of one pack, in memory: the report as sent, the KPI JSON, the four CSV extracts, the
// workbook, and the manifest that lists them all with their checksums.
import type { Dataset } from '../contract/validate';
import type { KpiContext, KpiResult } from '../kpi';
import { toKpiJson } from '../kpi/json';
import { toCsv } from './csv';
import { CSV_EXTRACTS, buildExtracts, workbookExtracts, workbookHeadline, type BridgePeriod } from './extracts';
import { MANIFEST_NAME, workbookName, type PackRef } from './layout';
import {
  MANIFEST_SCHEMA,
  METRIC_DEFINITIONS_VERSION,
  headlineOf,
  inputRowCounts,
  sha256Hex,
  type PackManifest,
  type Regeneration,
} from './manifest';
import { toXlsx } from './xlsx';

export const CONTENT_TYPES = {
  html: 'text/html; charset=utf-8',
  eml: 'message/rfc822',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
} as const;

export interface ReportAsSent {
  /** The HTML of the email as sent, images embedded (data: URIs). */
  html: string | Uint8Array;
  /** The raw MIME message, when the sender kept it: archived as report.eml beside report.html. */
  eml?: Uint8Array;
}

export interface PackFile {
  name: string;
  body: Buffer;
  contentType: string;
  rows?: number;
}

export interface PackInput {
  ref: PackRef;
  ctx: KpiContext;
  /** The KPIs as of the pack's date (the week's last day, or the quarter's). */
  result: KpiResult;
  /** Segment splits for kpis.json. */
  segments?: ReadonlyMap<string, KpiResult>;
  periods: readonly BridgePeriod[];
  fiscalYearStartMonth: number;
  report: ReportAsSent;
  generatedAt: string;
  companyName?: string;
}

/** Every file of the pack except the manifest, in a fixed order. */
export async function buildPackFiles(input: PackInput): Promise<PackFile[]> {
  const extracts = buildExtracts(input.ctx, input.result, input.periods, input.fiscalYearStartMonth);
  const html =
    typeof input.report.html === 'string' ? Buffer.from(input.report.html, 'utf8') : Buffer.from(input.report.html);
  const files: PackFile[] = [{ name: 'report.html', body: html, contentType: CONTENT_TYPES.html }];
  if (input.report.eml)
    files.push({ name: 'report.eml', body: Buffer.from(input.report.eml), contentType: CONTENT_TYPES.eml });
  const kpis = toKpiJson(input.result, input.segments ? { segments: input.segments } : {});
  files.push({
    name: 'kpis.json',
    body: Buffer.from(`${JSON.stringify(kpis, null, 2)}\n`, 'utf8'),
    contentType: CONTENT_TYPES.json,
  });
  for (const key of CSV_EXTRACTS) {
    const e = extracts[key];
    files.push({ name: `${e.name}.csv`, body: toCsv(e), contentType: CONTENT_TYPES.csv, rows: e.rows.length });
  }
  const title = `${input.companyName ? `${input.companyName} ` : ''}Pulse ${input.ref.period}`;
  const xlsx = await toXlsx(workbookExtracts(extracts), {
    title,
    generatedAt: input.generatedAt,
    currency: input.result.currency,
    headline: workbookHeadline(input.result),
  });
  files.push({ name: workbookName(input.ref), body: xlsx, contentType: CONTENT_TYPES.xlsx });
  return files;
}

export interface ManifestInput {
  ref: PackRef;
  version: number;
  prefix: string;
  files: readonly PackFile[];
  result: KpiResult;
  data: Dataset;
  runId: string;
  generatedAt: string;
  configHash: string;
  regeneration: Regeneration | null;
  quarter?: { label: string; start: string; end: string };
}

export function buildManifest(m: ManifestInput): PackManifest {
  const manifest: PackManifest = {
    schema: MANIFEST_SCHEMA,
    kind: m.ref.kind,
    period: m.ref.period,
    asOf: m.result.asOf,
    ...(m.ref.kind === 'weekly' ? { weekStart: m.result.weekStart } : {}),
    ...(m.quarter ? { quarter: m.quarter } : {}),
    version: m.version,
    prefix: m.prefix,
    runId: m.runId,
    generatedAt: m.generatedAt,
    configHash: m.configHash,
    metricDefinitionsVersion: METRIC_DEFINITIONS_VERSION,
    inputRowCounts: inputRowCounts(m.data),
    regeneration: m.regeneration,
    headline: headlineOf(m.result),
    files: m.files.map((f) => ({
      name: f.name,
      key: `${m.prefix}${f.name}`,
      contentType: f.contentType,
      bytes: f.body.byteLength,
      sha256: sha256Hex(f.body),
      ...(f.rows !== undefined ? { rows: f.rows } : {}),
    })),
  };
  return manifest;
}

export function manifestFile(manifest: PackManifest): PackFile {
  return {
    name: MANIFEST_NAME,
    body: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'),
    contentType: CONTENT_TYPES.json,
  };
}
