// docs/archive.md documents every column of every extract (finance builds on the headers).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildExtracts, weeklyPeriods, workbookExtracts } from '../../../functions/domain/archive';
import { kpisAt, prepareKpiContext } from '../../../functions/domain/kpi';
import { hostileDataset, SETTINGS } from './fixtures';

describe('docs/archive.md', () => {
  it('names every column of the CSV extracts', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/archive.md'), 'utf8');
    const ctx = prepareKpiContext(hostileDataset(), SETTINGS);
    const r = kpisAt(ctx, '2026-11-22');
    const [, ...csvs] = workbookExtracts(buildExtracts(ctx, r, weeklyPeriods(r), 2));
    const missing = csvs.flatMap((e) =>
      e.columns
        .map((c) => c.header)
        .filter((h) => !doc.includes(`\`${h}\``))
        .map((h) => `${e.name}.${h}`),
    );
    expect(missing).toEqual([]);
  });
});
