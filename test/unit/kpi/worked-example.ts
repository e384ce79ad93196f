// The worked example used by the metrics guide (docs/metrics.md): seven customers in the week
// 2026-11-16 .. 2026-11-22. The test `worked-example.test.ts` checks every number the guide quotes.
import type { Dataset } from '../../../functions/domain/contract/validate';
import { account, dataset, line, nps, opportunity, renewal, services, spendMonths, ticket, usage } from './builders';

export const EXAMPLE_AS_OF = '2026-11-22';

export function workedExample(): Dataset {
  const weeks = (acct: string, seats: number, rows: [string, number][]) =>
    rows.map(([w, wau]) => usage(acct, w, wau, seats));
  return dataset({
    accounts: [
      account('ACME', 'Enterprise'),
      account('BOLT', 'Mid-Market'),
      account('CORE', 'Mid-Market'),
      account('DUNE', 'SMB'),
      account('ECHO', 'SMB'),
      account('GLOW', 'SMB'),
      account('HALO', 'Enterprise'),
      // FERN has no account row: it is in the "Unassigned" segment.
    ],
    subscriptions: [
      line('ACME', 120_000, '2024-06-01'),
      line('ACME', 30_000, '2026-11-18'), // expansion on Wednesday
      services('ACME', 15_000, '2026-11-18'), // one-off services: never ARR
      line('BOLT', 50_000, '2025-03-01', '2026-11-16'), // ends on the week's first day: churn on 11-16
      line('CORE', 40_000, '2025-01-01', '2026-11-20'),
      line('CORE', 30_000, '2026-11-20'), // replaced by a smaller line: contraction 10,000
      line('DUNE', 20_000, '2024-01-01', '2025-06-01'),
      line('DUNE', 24_000, '2026-11-17'), // comes back: reactivation
      line('ECHO', 36_000, '2026-11-19'), // brand new
      line('FERN', 10_000, '2023-01-01'),
      line('GLOW', 12_000, '2026-10-05'), // new in October (quarter to date, and a new logo of the window)
      services('GLOW', 3_000, '2026-10-05'),
      line('HALO', 60_000, '2026-02-01'), // new logo of the window
    ],
    renewals: [
      renewal('ACME', '2026-12-10', 120_000, 'open'),
      renewal('CORE', '2026-11-20', 40_000, 'renewed', '2026-11-19', 30_000),
      renewal('BOLT', '2026-11-16', 50_000, 'churned', '2026-11-17'),
      renewal('FERN', '2026-11-01', 10_000, 'open'),
      renewal('HALO', '2027-02-01', 60_000, 'open'),
      renewal('DUNE', '2026-09-15', 20_000, 'renewed', '2026-11-25', 24_000), // closed after asOf: still open
      renewal('ACME', '2026-10-01', 100_000, 'renewed', '2026-09-28', 120_000),
    ],
    expansions: [
      opportunity('ACME', 'upsell', 30_000, 'won', '2026-11-18', '2026-09-01'),
      opportunity('CORE', 'cross_sell', 15_000, 'open', '2026-12-15', '2026-10-10'),
      opportunity('HALO', 'upsell', 20_000, 'won', '2026-11-25', '2026-09-01'), // won after asOf: still pipeline
      opportunity('FERN', 'cross_sell', 5_000, 'lost', '2026-10-20', '2026-08-01'),
      opportunity('GLOW', 'upsell', 8_000, 'open', '2027-01-15', '2026-11-30'), // created after asOf
      opportunity('DUNE', 'upsell', 4_000, 'won', '2026-09-10', '2026-08-01'),
    ],
    usage: [
      ...weeks('ACME', 100, [
        ['2026-11-16', 80],
        ['2026-11-09', 80],
        ['2026-11-02', 80],
        ['2026-10-26', 80],
        ['2026-10-19', 100],
        ['2026-10-12', 100],
        ['2026-10-05', 100],
        ['2026-09-28', 100],
      ]),
      ...weeks('CORE', 50, [
        ['2026-11-16', 20],
        ['2026-11-02', 30],
        ['2026-10-12', 20],
      ]),
      usage('ECHO', '2026-11-16', 0, 0),
      usage('HALO', '2026-11-16', 10, 40),
      usage('BOLT', '2026-11-16', 10, 10), // not a customer at asOf
    ],
    tickets: [
      ticket('ACME', 'p1', '2026-11-17'),
      ticket('ACME', 'p2', '2026-11-10', '2026-11-12', 5),
      ticket('CORE', 'p1', '2026-11-01', '2026-11-03', 2),
      ticket('CORE', 'p1', '2026-10-28', '2026-11-20', 4),
      ticket('GLOW', 'p3', '2026-11-20', '2026-11-21', 3),
      ticket('FERN', 'p1', '2026-09-01', '2026-11-25'),
      ticket('FERN', 'p1', '2026-11-05', '2026-11-06'),
    ],
    nps: [
      nps('ACME', '2026-11-01', 9, 'n9'),
      nps('ACME', '2026-11-01', 3, 'n10'), // same day: "n9" > "n10" in plain string order, so n9 is the latest
      nps('CORE', '2026-10-15', 7),
      nps('DUNE', '2026-06-01', 10),
      nps('HALO', '2026-11-20', 6),
      nps('FERN', '2026-08-01', 2),
    ],
    spend: spendMonths('2025-11', 12, 10_000),
  });
}
