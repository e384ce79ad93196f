// The report's data-quality footer: for each source, its latest ingest and what it rejected, so a
// reader sees at a glance whether the figures rest on complete data and where the bad rows are.
import { todayIn } from '../dates';

/** The part of a run-ledger record the footer reads (see functions/ports/run-ledger.ts). */
export interface IngestRunSummary {
  subject: string;
  status: string;
  startedAt: string;
  finishedAt?: string;
  rejects?: { rows: number; problems: number; location?: string; byField: Record<string, number> };
  /** The run's named counts; `unmatched` = records kept under their source id (no account matched). */
  counts?: Readonly<Record<string, number>>;
}

export interface SourceQuality {
  source: string;
  /** Local date of the latest ingest run (finished, else started). */
  lastIngest: string;
  status: string;
  rejectedRows: number;
  /** The most frequent problem fields, e.g. `subscriptions.arr (2)`. */
  topFields: string;
  /** Where the full rejects report is, when there is one. */
  location: string | null;
  /** A link to open that report (the S3 console's page of the object), for the e-mail: never a bare s3:// path. */
  link: string | null;
  /** Records of the latest run that named no account (kept as `<source>:<id>`, adding no ARR); absent when none. */
  unmatched?: number;
}

export interface DataQuality {
  sources: SourceQuality[];
  rejectedRows: number;
  /** False when no ingest is recorded at all. */
  known: boolean;
}

/** The latest ingest run of each source, newest data first in the ledger order given. */
export function dataQualityOf(runs: readonly IngestRunSummary[], timeZone: string): DataQuality {
  const latest = new Map<string, IngestRunSummary>();
  for (const r of runs) {
    const seen = latest.get(r.subject);
    if (!seen || (r.finishedAt ?? r.startedAt) > (seen.finishedAt ?? seen.startedAt)) latest.set(r.subject, r);
  }
  const sources = [...latest.values()]
    .sort((a, b) => a.subject.localeCompare(b.subject))
    .map(
      (r): SourceQuality => ({
        source: r.subject,
        lastIngest: todayIn(timeZone, new Date(r.finishedAt ?? r.startedAt)),
        status: r.status,
        rejectedRows: r.rejects?.rows ?? 0,
        topFields: Object.entries(r.rejects?.byField ?? {})
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .slice(0, 3)
          .map(([field, n]) => `${field} (${n})`)
          .join(', '),
        location: r.rejects?.location ?? null,
        link: rejectsLink(r.rejects?.location),
        // Always present: the templates' strict `#if unmatched` refuses a missing value.
        unmatched: r.counts?.unmatched ?? 0,
      }),
    );
  return { sources, rejectedRows: sources.reduce((n, s) => n + s.rejectedRows, 0), known: sources.length > 0 };
}

/**
 * The rejects report's address as a link: `s3://bucket/key` becomes the S3 console's page of the
 * object (it asks the reader to sign in to AWS); an http(s) address stays as it is.
 */
export function rejectsLink(location: string | undefined): string | null {
  if (!location) return null;
  if (/^https?:\/\//.test(location)) return location;
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return m
    ? `https://s3.console.aws.amazon.com/s3/object/${encodeURIComponent(m[1]!)}?prefix=${encodeURIComponent(m[2]!)}`
    : null;
}
