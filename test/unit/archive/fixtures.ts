// Shared fixtures of the archive tests: a validated demo dataset (small, fast) and tiny hand-made ones.
import { emptyDataset, type Dataset } from '../../../functions/domain/contract/validate';
import { validatedDemoDataset } from '../../support/demo-dataset';
import { DEFAULT_KPI_SETTINGS, type KpiSettings } from '../../../functions/domain/kpi';

/** The demo company's history up to `endDate`, validated like ingest does. */
export function demoDataset(endDate: string, accounts = 120, seed = 42): Dataset {
  return validatedDemoDataset({ endDate, accounts, seed });
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
    data.accounts.push({
      accountId,
      name,
      segment: i % 2 ? '-Mid' : 'Enterprise, "Key"',
      ownerEmail: `owner${i}@northwind.example`,
    });
    data.subscriptions.push({
      lineId: `L-${i}`,
      accountId,
      kind: 'recurring',
      arr: 1_000_000 + i * 12_345,
      startDate: '2025-01-01',
    });
    data.renewals.push({ renewalId: `R-${i}`, accountId, dueDate: '2026-12-01', arrUp: 1_000_000, status: 'open' });
    data.expansions.push({
      opportunityId: `+O-${i}`,
      accountId,
      type: 'upsell',
      arr: 50_000,
      stage: 'open',
      createdDate: '2026-10-01',
    });
  });
  return data;
}
