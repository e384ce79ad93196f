// Pack layout and versions, quarter ends on the fiscal calendar, the index pages.
import { describe, expect, it } from 'vitest';
import { quarterEndingIn } from '../../../functions/app/archive-week';
import {
  embedInlineImages,
  manifestKeysIn,
  parsePackLabel,
  periodPrefix,
  relativeLink,
  renderIndexPages,
  versionPrefix,
  versionsIn,
  weeklyPack,
  type PackManifest,
} from '../../../functions/domain/archive';

describe('layout', () => {
  const w = weeklyPack('2026-W47');

  it('puts version 1 in the week folder and later versions in v<n>/', () => {
    expect(periodPrefix(w)).toBe('archive/weekly/2026/2026-W47/');
    expect(versionPrefix(w, 1)).toBe('archive/weekly/2026/2026-W47/');
    expect(versionPrefix(w, 3)).toBe('archive/weekly/2026/2026-W47/v3/');
    expect(periodPrefix(parsePackLabel('FY2027-Q1'))).toBe('archive/quarterly/FY2027-Q1/');
    expect(() => parsePackLabel('2026-47')).toThrow(RangeError);
  });

  it('tells used versions from complete ones (a manifest makes a version complete)', () => {
    const base = periodPrefix(w);
    expect(
      versionsIn(w, [
        `${base}report.html`,
        `${base}manifest.json`,
        `${base}v2/report.html`,
        `${base}v3/manifest.json`,
        'archive/weekly/2026/2026-W48/manifest.json',
      ]),
    ).toEqual({
      used: [1, 2, 3],
      complete: [1, 3],
    });
  });

  it('finds every manifest of the archive with its pack and version', () => {
    expect(
      manifestKeysIn([
        'archive/index.html',
        'archive/weekly/2026/2026-W47/manifest.json',
        'archive/weekly/2026/2026-W47/v2/manifest.json',
        'archive/quarterly/FY2027-Q1/manifest.json',
      ]),
    ).toEqual([
      { key: 'archive/weekly/2026/2026-W47/manifest.json', ref: w, version: 1 },
      { key: 'archive/weekly/2026/2026-W47/v2/manifest.json', ref: w, version: 2 },
      { key: 'archive/quarterly/FY2027-Q1/manifest.json', ref: { kind: 'quarterly', period: 'FY2027-Q1' }, version: 1 },
    ]);
  });
});

describe('quarter ends on the fiscal calendar', () => {
  it('finds the quarter whose last day falls in the week (fiscal year from February: Q1 ends April 30)', () => {
    // Week Mon 2026-04-27 .. Sun 2026-05-03 holds April 30: FY2027-Q1 (FY named by the year it ends in).
    expect(quarterEndingIn('2026-05-03', 2)).toMatchObject({
      label: 'FY2027-Q1',
      start: '2026-02-01',
      end: '2026-04-30',
    });
    expect(quarterEndingIn('2026-04-26', 2)).toBeUndefined();
    expect(quarterEndingIn('2026-05-10', 2)).toBeUndefined();
    // A quarter ending on the week's last day.
    expect(quarterEndingIn('2026-05-31', 3)).toMatchObject({ label: 'FY2027-Q1', end: '2026-05-31' });
    // Calendar fiscal year: Q4 ends December 31.
    expect(quarterEndingIn('2027-01-03', 1)).toMatchObject({ label: 'FY2026-Q4', end: '2026-12-31' });
  });
});

describe('index pages', () => {
  const manifest = (period: string, asOf: string, version = 1, kind: 'weekly' | 'quarterly' = 'weekly'): PackManifest =>
    ({
      kind,
      period,
      asOf,
      version,
      prefix: version === 1 ? periodPrefix(parsePackLabel(period)) : versionPrefix(parsePackLabel(period), version),
      regeneration:
        version > 1 ? { reason: 'late <billing> file', previousVersion: version - 1, supersedes: null } : null,
      headline: {
        currency: 'USD',
        closingArr: 12_345_678,
        openingArr: 12_300_000,
        netNewArr: 45_678,
        customers: 274,
        nrr: 1.043,
        grr: 0.912,
        arrAtRisk: 250_000,
        qtdNetNewArr: 100_000,
      },
      files: [
        {
          name: 'report.html',
          key: `${periodPrefix(parsePackLabel(period))}report.html`,
          contentType: 'text/html',
          bytes: 1,
          sha256: 'x',
        },
      ],
    }) as PackManifest;

  const pages = renderIndexPages(
    [
      { manifest: manifest('2025-W52', '2025-12-28'), versions: [1] },
      { manifest: manifest('2026-W47', '2026-11-22', 2), versions: [1, 2] },
      { manifest: manifest('FY2027-Q1', '2026-04-30', 1, 'quarterly'), versions: [1] },
    ],
    { generatedAt: '2026-11-23T08:00:00Z' },
  );

  it('writes the main index and one page per year', () => {
    expect(pages.map((p) => p.key)).toEqual([
      'archive/index.html',
      'archive/weekly/2026/index.html',
      'archive/weekly/2025/index.html',
    ]);
  });

  it('lists every pack with its headline figures, version and relative links', () => {
    const main = pages[0]!.html;
    for (const label of ['2025-W52', '2026-W47', 'FY2027-Q1']) expect(main).toContain(label);
    expect(main).toContain('$12,345,678');
    expect(main).toContain('104.3%');
    expect(main).toContain('regenerated: late &lt;billing&gt; file');
    expect(main).toContain('href="weekly/2026/2026-W47/report.html"');
    expect(main).toContain('href="weekly/2026/2026-W47/v2/manifest.json"');
    expect(main.indexOf('2026-W47')).toBeLessThan(main.indexOf('2025-W52'));
    const y2026 = pages[1]!.html;
    expect(y2026).toContain('href="2026-W47/report.html"');
    expect(y2026).not.toContain('2025-W52');
    expect(y2026).toContain('href="../../index.html"');
  });

  it('computes relative links between archive keys', () => {
    expect(relativeLink('archive/weekly/2026/2026-W47/a b.csv', 'archive/index.html')).toBe(
      'weekly/2026/2026-W47/a%20b.csv',
    );
    expect(relativeLink('archive/index.html', 'archive/weekly/2026/index.html')).toBe('../../index.html');
  });
});

describe('report as sent', () => {
  it('embeds cid: images as data: URIs', () => {
    const html = '<img src="cid:chart-1" alt="ARR"><img src="cid:chart-10">';
    const out = embedInlineImages(html, [{ cid: 'chart-1', contentType: 'image/png', content: Buffer.from('png') }]);
    expect(out).toBe(
      `<img src="data:image/png;base64,${Buffer.from('png').toString('base64')}" alt="ARR"><img src="cid:chart-10">`,
    );
  });
});
