// Shared fixtures of the archive tests: a validated demo dataset (small, fast) and tiny hand-made ones.
import { generateDemoData } from '../../../functions/adapters/sources/demo';
import { ENTITY_NAMES, type EntityName } from '../../../functions/domain/contract/entities';
import { emptyDataset, latestById, RowValidator, type Dataset } from '../../../functions/domain/contract/validate';
import { DEFAULT_KPI_SETTINGS, type KpiSettings } from '../../../functions/domain/kpi';

const cache = new Map<string, Dataset>();

/** The demo company's history up to `endDate`, validated like ingest does. */
export function demoDataset(endDate: string, accounts = 120, seed = 42): Dataset {
  const id = `${endDate}:${accounts}:${seed}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const raw = generateDemoData({ endDate, accounts, seed });
  const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
  const data = emptyDataset();
  for (const entity of ENTITY_NAMES) {
    const records = raw[entity].map((row) => {
      const r = validator.validate(entity as EntityName, row);
      if (!r.ok) throw new Error(`demo row invalid: ${JSON.stringify(r.errors)}`);
      return r.record;
    });
    (data[entity] as unknown[]) = latestById(entity, records as never);
  }
  cache.set(id, data);
  return data;
}

export const SETTINGS: KpiSettings = { ...DEFAULT_KPI_SETTINGS, fiscalYearStartMonth: 2 };

/** Text cells a spreadsheet would run as formulas, and neighbours that must stay untouched. */
export const INJECTION_CASES = [
  '=HYPERLINK("http://evil.example","click")',
  '+1+1',
  '-2+3',
  '@SUM(A1:A2)',
  '\t=1+1',
  '\r=1+1',
  '\n=1+1',
  "=cmd|' /C calc'!A0",
] as const;

/** A dataset whose free-text fields carry the injection cases. */
export function hostileDataset(): Dataset {
  const data = emptyDataset();
  INJECTION_CASES.forEach((name, i) => {
    const accountId = i === 0 ? '=ACCT()' : `A-${i}`;
    data.accounts.push({ accountId, name, segment: i % 2 ? '-Mid' : 'Enterprise, "Key"', ownerEmail: `owner${i}@northwind.example` });
    data.subscriptions.push({ lineId: `L-${i}`, accountId, kind: 'recurring', arr: 1_000_000 + i * 12_345, startDate: '2025-01-01' });
    data.renewals.push({ renewalId: `R-${i}`, accountId, dueDate: '2026-12-01', arrUp: 1_000_000, status: 'open' });
    data.expansions.push({ opportunityId: `+O-${i}`, accountId, type: 'upsell', arr: 50_000, stage: 'open', createdDate: '2026-10-01' });
  });
  return data;
}
