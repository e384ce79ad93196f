// The readable `pulse kpis`: contracted ARR and one line per cohort; snapshots stored before either
// existed still print.
import { describe, expect, it } from 'vitest';
import { formatKpiTable } from '../../../bin/commands/kpi-table';
import { computeKpis, toKpiJson, type KpiJson } from '../../../functions/domain/kpi';
import { dataset, line, settings } from './builders';

describe('pulse kpis table', () => {
  const doc = toKpiJson(
    computeKpis(
      dataset({
        subscriptions: [
          line('A', 1000, '2026-01-15'),
          line('B', 500, '2026-03-02', '2026-06-01'),
          line('C', 90, '2026-10-31'),
          line('D', 250, '2027-01-01'),
        ],
      }),
      '2026-11-22',
      settings(),
    ),
  );

  it('prints contracted ARR and each cohort with its latest age', () => {
    const out = formatKpiTable(doc);
    expect(out).toMatch(/Contracted ARR\s+\+30d \$1,090 {2}\+90d \$1,340 {2}\+365d \$1,340/);
    expect(out).toMatch(/2026-01\s+1 \(\$1,000\) {2}month 9: 100\.0% \/ 100\.0%/);
    expect(out).toMatch(/2026-03\s+1 \(\$500\) {2}month 7: 0\.0% \/ 0\.0%/);
    expect(out).toMatch(/2026-02\s+no new customers/);
    expect(out).toMatch(/2026-10\s+1 \(\$90\) {2}no month end yet/);
  });

  it('prints a snapshot stored before cohorts and contracted ARR', () => {
    const { cohorts: _c, contractedArr: _a, ...old } = doc;
    const out = formatKpiTable(old as KpiJson);
    expect(out).not.toContain('Contracted ARR');
    expect(out).not.toContain('Cohorts');
    expect(out).toContain('ARR at risk');
  });
});
