// The archive's index pages: archive/index.html lists every pack (quarter-end packs first, then the
// weekly packs newest first) with its headline figures and links to its files; one page per ISO
// week-year lists that year's weekly packs. Links are relative by default (they work in a local
// copy of the bucket, `aws s3 sync`); the caller can pass signed download links instead.
import type { PackManifest } from './manifest';
import { INDEX_KEY, yearIndexKey } from './layout';

export interface IndexEntry {
  /** The latest complete version of the pack. */
  manifest: PackManifest;
  /** Every complete version, oldest first. */
  versions: readonly number[];
}

export interface IndexPage {
  key: string;
  html: string;
}

export interface IndexOptions {
  title?: string;
  generatedAt: string;
  /** en-US by default: how amounts are shown. */
  locale?: string;
  /** The href of an archive object as seen from the page at `fromKey` (default: a relative path). */
  link?: (key: string, fromKey: string) => string;
}

export function relativeLink(key: string, fromKey: string): string {
  const from = fromKey.split('/').slice(0, -1);
  const to = key.split('/');
  let i = 0;
  while (i < from.length && i < to.length - 1 && from[i] === to[i]) i++;
  return [...Array(from.length - i).fill('..'), ...to.slice(i)].map(encodeURIComponent).join('/');
}

/** Text made safe for HTML content and attribute values. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function money(value: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${value.toFixed(0)} ${currency}`;
  }
}

const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

/** Shown first among a pack's files, in this order; the rest follow. */
const FILE_ORDER = [
  'report.html',
  'xlsx',
  'arr-bridge.csv',
  'renewals.csv',
  'accounts.csv',
  'expansion.csv',
  'cohorts.csv',
  'kpis.json',
  'report.eml',
  'manifest.json',
];
const rank = (name: string) => {
  const i = FILE_ORDER.findIndex((f) => name === f || name.endsWith(`.${f}`));
  return i === -1 ? FILE_ORDER.length : i;
};

function row(e: IndexEntry, fromKey: string, o: Required<Pick<IndexOptions, 'link' | 'locale'>>): string {
  const m = e.manifest;
  const h = m.headline;
  const files = [
    ...m.files.map((f) => ({ name: f.name, key: f.key })),
    { name: 'manifest.json', key: `${m.prefix}manifest.json` },
  ]
    .sort((a, b) => rank(a.name) - rank(b.name))
    .map((f) => `<a href="${escapeHtml(o.link(f.key, fromKey))}">${escapeHtml(f.name)}</a>`)
    .join(' · ');
  const version =
    m.version === 1
      ? '1'
      : `${m.version}<br><small title="${escapeHtml(m.regeneration?.reason ?? '')}">regenerated: ${escapeHtml(m.regeneration?.reason ?? '')}</small>`;
  return `<tr><th scope="row">${escapeHtml(m.period)}</th><td>${escapeHtml(m.asOf)}</td><td class="n">${escapeHtml(money(h.closingArr, h.currency, o.locale))}</td><td class="n">${escapeHtml(
    money(h.netNewArr, h.currency, o.locale),
  )}</td><td class="n">${escapeHtml(money(h.qtdNetNewArr, h.currency, o.locale))}</td><td class="n">${pct(h.nrr)}</td><td class="n">${pct(h.grr)}</td><td class="n">${escapeHtml(
    money(h.arrAtRisk, h.currency, o.locale),
  )}</td><td class="n">${h.customers}</td><td>${version}</td><td>${files}</td></tr>`;
}

function table(
  entries: readonly IndexEntry[],
  fromKey: string,
  o: Required<Pick<IndexOptions, 'link' | 'locale'>>,
  qtdLabel: string,
): string {
  if (entries.length === 0) return '<p>None yet.</p>';
  return `<table><thead><tr><th>Period</th><th>As of</th><th>Closing ARR</th><th>Net new (week)</th><th>${qtdLabel}</th><th>NRR</th><th>GRR</th><th>ARR at risk</th><th>Customers</th><th>Version</th><th>Files</th></tr></thead><tbody>
${entries.map((e) => row(e, fromKey, o)).join('\n')}
</tbody></table>`;
}

function page(title: string, body: string, generatedAt: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2937}table{border-collapse:collapse;width:100%;margin:0 0 2rem}th,td{border-bottom:1px solid #e5e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}thead th{background:#f3f4f6}small{color:#6b7280}a{color:#1d4ed8}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
${body}
<p><small>Generated ${escapeHtml(generatedAt)} by Pulse. Every pack is immutable: a regenerated pack is a new version beside the old one, with its reason in its manifest. Check a download with <code>pulse archive get &lt;week&gt;</code>, which verifies every file against the manifest's SHA-256.</small></p>
</body></html>
`;
}

const byNewest = (a: IndexEntry, b: IndexEntry) =>
  a.manifest.asOf < b.manifest.asOf ? 1 : a.manifest.asOf > b.manifest.asOf ? -1 : 0;

/** archive/index.html and one page per ISO week-year of weekly packs. */
export function renderIndexPages(entries: readonly IndexEntry[], opts: IndexOptions): IndexPage[] {
  const o = { link: opts.link ?? relativeLink, locale: opts.locale ?? 'en-US' };
  const title = opts.title ?? 'Pulse archive';
  const quarterly = entries.filter((e) => e.manifest.kind === 'quarterly').sort(byNewest);
  const weekly = entries.filter((e) => e.manifest.kind === 'weekly').sort(byNewest);
  const years = [...new Set(weekly.map((e) => e.manifest.period.slice(0, 4)))].sort().reverse();

  const yearLinks = years
    .map((y) => `<a href="${escapeHtml(o.link(yearIndexKey(y), INDEX_KEY))}">${y}</a>`)
    .join(' · ');
  const main = page(
    title,
    `<p>${weekly.length} weekly and ${quarterly.length} quarter-end pack(s).${years.length ? ` By year: ${yearLinks}` : ''}</p>
<h2>Quarter-end packs</h2>
${table(quarterly, INDEX_KEY, o, 'Net new (quarter)')}
<h2>Weekly packs</h2>
${table(weekly, INDEX_KEY, o, 'Net new (QTD)')}`,
    opts.generatedAt,
  );
  const pages: IndexPage[] = [{ key: INDEX_KEY, html: main }];
  for (const y of years) {
    const key = yearIndexKey(y);
    const inYear = weekly.filter((e) => e.manifest.period.startsWith(y));
    pages.push({
      key,
      html: page(
        `${title}: ${y}`,
        `<p><a href="${escapeHtml(o.link(INDEX_KEY, key))}">All packs</a></p>\n${table(inYear, key, o, 'Net new (QTD)')}`,
        opts.generatedAt,
      ),
    });
  }
  return pages;
}
