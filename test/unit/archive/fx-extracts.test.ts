// The archive with other currencies: the bridge extract's fx rows (each day's rows still add up to
// the account's ARR change), the summary's fx column, and the original currency, amount and rate
// beside every converted amount in the renewals and expansion extracts.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { arrMovements, buildExtracts, movementResidual, toCsv, weeklyPeriods } from '../../../functions/domain/archive';
import { kpisAt, prepareKpiContext } from '../../../functions/domain/kpi';
import { account, currencyLine as line, dataset } from '../kpi/builders';
import { SETTINGS } from './fixtures';

// ACME: 10,000 EUR at 1.10 renewed on 11-18 as 12,000 EUR at 1.05 (expansion 2,100, fx -500).
// KWD: 1,500.125 KWD at 3.2561 renewed on 11-19 as 1,600 KWD at 3.25 (o' is a fraction of a cent).
const data = dataset({
  accounts: [account('ACME', 'Enterprise'), account('KUWA', 'Enterprise')],
  subscriptions: [
    line('E1', 'ACME', 1_000_000, '2026-01-05', 'EUR', '2026-11-18'),
    line('E2', 'ACME', 1_200_000, '2026-11-18', 'EUR'),
    line('K1', 'KUWA', 1_500_125, '2026-02-02', 'KWD', '2026-11-19'),
    line('K2', 'KUWA', 1_600_000, '2026-11-19', 'KWD'),
  ],
  renewals: [
    {
      renewalId: 'R1',
      accountId: 'ACME',
      dueDate: '2026-11-18',
      arrUp: 1_000_000,
      status: 'renewed',
      closedDate: '2026-11-18',
      renewedArr: 1_200_000,
      currency: 'EUR',
    },
  ],
  expansions: [
    {
      opportunityId: 'O1',
      accountId: 'KUWA',
      type: 'upsell',
      arr: 99_500,
      stage: 'open',
      createdDate: '2026-11-02',
      currency: 'KWD',
    },
  ],
  fx_rates: [
    { date: '2026-01-02', currency: 'EUR', rate: '1.10' },
    { date: '2026-11-17', currency: 'EUR', rate: '1.05' },
    { date: '2026-01-30', currency: 'KWD', rate: '3.2561' },
    { date: '2026-11-19', currency: 'KWD', rate: '3.25' },
  ],
});
const settings = { ...SETTINGS, fiscalYearStartMonth: 1 };
const ctx = prepareKpiContext(data, settings);
const r = kpisAt(ctx, '2026-11-22');
const e = buildExtracts(ctx, r, weeklyPeriods(r), 1);

describe('archive extracts with other currencies', () => {
  it("the bridge extract has an fx row before the movement: each day's rows add up to the account's ARR change", () => {
    const m = arrMovements(ctx.timeline, '2026-11-16', '2026-11-22');
    expect(m.filter((x) => x.accountId === 'ACME')).toEqual([
      { accountId: 'ACME', date: '2026-11-18', type: 'fx', arrBefore: 1_100_000, arrAfter: 1_050_000, amount: -50_000 },
      {
        accountId: 'ACME',
        date: '2026-11-18',
        type: 'expansion',
        arrBefore: 1_050_000,
        arrAfter: 1_260_000,
        amount: 210_000,
      },
    ]);
    // KUWA: o = 1,500.125 x 3.2561 = 4,884.56; c = 1,600 x 3.25 = 5,200; o' = 1,500.125 x 5,200 / 1,600 = 4,875.40625 -> 4,875.41.
    expect(m.filter((x) => x.accountId === 'KUWA').map((x) => [x.type, x.arrBefore, x.arrAfter, x.amount])).toEqual([
      ['fx', 488_456, 487_541, -915],
      ['expansion', 487_541, 520_000, 32_459],
    ]);
    for (const id of ['ACME', 'KUWA']) {
      const rows = m.filter((x) => x.accountId === id);
      expect(rows.reduce((s, x) => s + x.arrAfter - x.arrBefore, 0)).toBe(rows.at(-1)!.arrAfter - rows[0]!.arrBefore);
    }
    // The bridge sums the exact fractions (expansion 324.59375, fx -9.15375 dollars): the rows agree to the cent.
    const residual = movementResidual(m, r.arrBridge);
    for (const v of Object.values(residual)) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    expect(r.arrBridge).toMatchObject({ expansion: 210_000 + 32_459, fx: -50_000 - 915 });
  });

  it('the summary carries fx and the CSV bridge rows say fx', () => {
    const summary = e.summary.columns.map((c) => c.header);
    expect(summary.slice(summary.indexOf('churn'), summary.indexOf('close_arr') + 1)).toEqual([
      'churn',
      'fx',
      'close_arr',
    ]);
    const rows = parse(toCsv(e.arrBridge), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.filter((x) => x.period === 'week' && x.movement === 'fx').map((x) => [x.account_id, x.amount])).toEqual(
      [
        ['ACME', '-500.00'],
        ['KUWA', '-9.15'],
      ],
    );
  });

  it('renewals and expansion keep the original currency, amount and rate beside the converted amount', () => {
    const renewals = parse(toCsv(e.renewals), { bom: true, columns: true }) as Record<string, string>[];
    expect(renewals[0]).toMatchObject({
      renewal_id: 'R1',
      arr_up: '10500.00',
      renewed_arr: '12600.00',
      currency: 'EUR',
      arr_up_original: '10000',
      renewed_arr_original: '12000',
      fx_rate: '1.05',
      fx_rate_date: '2026-11-17',
    });
    const expansion = parse(toCsv(e.expansion), { bom: true, columns: true }) as Record<string, string>[];
    // 99.500 KWD x 3.2561 = 323.98 (at the created date's rate).
    expect(expansion[0]).toMatchObject({
      opportunity_id: 'O1',
      arr: '323.98',
      currency: 'KWD',
      arr_original: '99.5',
      fx_rate: '3.2561',
      fx_rate_date: '2026-01-30',
    });
  });
});
