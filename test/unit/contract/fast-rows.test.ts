// The fast row paths against the zod schemas they shortcut: whatever a fast path accepts, the
// schema accepts and builds the same record; on random rows, valid or not, of every entity.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTRACT_COLUMNS, entitySchemas } from '../../../functions/domain/contract/entities';
import { FAST_ENTITIES, fastPaths, type FastEntity } from '../../../functions/domain/contract/fast-rows';
import { latestById, RowValidator } from '../../../functions/domain/contract/validate';

const opts = { currency: 'USD', weekStartsOn: 1 as const };
const schemas = entitySchemas(opts);

// Each field mostly plainly valid (so whole rows often are), sometimes near an edge: blanks,
// padding, signs, big numbers, impossible dates, case, unicode spaces, or any short text.
const tricky = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    ' A1',
    'A1 ',
    '\u00a0A1',
    'A1\u2028',
    '-1',
    '-0',
    '1.5',
    '1e3',
    '007',
    '05',
    '010',
    '11',
    '9999999999999999',
    '99999999999999999999',
  ),
  fc.constantFrom(
    '2026-02-29',
    '2026-02-30',
    '2026-13-01',
    '0026-11-16',
    '2026-1-16',
    ' 2026-11-16',
    'P1',
    'p5',
    '0',
    '6',
    'Open',
    'RENEWED',
    'usd',
    'EUR',
  ),
  fc.constantFrom('1,000', '12.345', '12.', '.5', ' 10', '1e5', 'a@b', 'A <a@b.co>', 'a@b.co\r\nBcc: c@d.co'),
  fc.stringMatching(/^[A-Za-z0-9 -]{0,6}$/),
);
const field = (plain: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 3, arbitrary: plain },
    { weight: 1, arbitrary: tricky },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
const id = field(fc.constantFrom('A1', 'ACC-0000001', 'x'));
const text = field(fc.constantFrom('Acme', 'Enterprise', 'Great product!', 'x'));
const date = field(fc.constantFrom('2026-11-16', '2026-11-22', '2024-02-29', '2026-01-01', '2026-01-31'));
const count = field(fc.constantFrom('0', '7', '681', '123456789012345'));
const money = field(fc.constantFrom('0', '1200', '1200.5', '99.99', '12000000'));
const email = field(fc.constantFrom('csm@northwind.example', 'a.b@c.io'));
const currency = field(fc.constantFrom('USD', 'usd', 'Usd', 'EUR', 'eur', 'JPY', 'KWD', 'kwd', 'GBP ', 'EURO', 'E1R'));
// Money that also exercises the zero- and three-decimal currencies (JPY, KWD) on rows in them.
const foreignMoney = field(fc.constantFrom('0', '1200', '1200.5', '99.99', '1500.125', '12000000', '1500.1250'));
const rate = field(
  fc.constantFrom('1', '1.0842', '0.006612', '0', '0.0', '-1.1', '1e3', '1.', '.5', '3.672500', '0001.2'),
);
const oneOf = (...values: string[]) => field(fc.constantFrom(...values));

const rows: { [K in FastEntity]: fc.Arbitrary<Record<string, string | undefined>> } = {
  accounts: fc.record({
    account_id: id,
    name: text,
    segment: text,
    owner_email: email,
    region: text,
    created_date: date,
  }),
  subscriptions: fc.record({
    line_id: id,
    account_id: id,
    product: text,
    kind: oneOf('recurring', 'services'),
    arr: foreignMoney,
    start_date: date,
    end_date: date,
    seats: count,
    currency,
  }),
  renewals: fc.record({
    renewal_id: id,
    account_id: id,
    due_date: date,
    arr_up: foreignMoney,
    status: oneOf('open', 'renewed', 'churned'),
    closed_date: date,
    renewed_arr: money,
    currency,
  }),
  expansions: fc.record({
    opportunity_id: id,
    account_id: id,
    type: oneOf('upsell', 'cross_sell'),
    arr: foreignMoney,
    stage: oneOf('open', 'won', 'lost'),
    created_date: date,
    close_date: date,
    currency,
  }),
  usage: fc.record({ account_id: id, week: date, weekly_active_users: count, licensed_seats: count }),
  tickets: fc.record({
    ticket_id: id,
    account_id: id,
    opened_date: date,
    priority: oneOf('p1', 'p2', 'p3', 'p4'),
    closed_date: date,
    csat: oneOf('1', '3', '5'),
  }),
  nps: fc.record({ response_id: id, account_id: id, date, score: oneOf('0', '6', '9', '10'), comment: text }),
  fx_rates: fc.record({ date, currency, rate }),
};

describe('fast row paths', () => {
  const paths = fastPaths(opts);
  // A fast path called with a row object's values in its own column order.
  const fast = (entity: FastEntity, raw: Record<string, unknown>) =>
    paths[entity](
      CONTRACT_COLUMNS[entity].map((c) => raw[c]),
      Int32Array.from(CONTRACT_COLUMNS[entity], (_, i) => i),
    );

  for (const entity of FAST_ENTITIES) {
    it(`${entity}: anything the fast path accepts, the schema accepts with the same record`, () => {
      let taken = 0;
      fc.assert(
        fc.property(rows[entity], (raw: Record<string, unknown>) => {
          const quick = fast(entity, raw);
          if (quick !== undefined) taken++;
          if (quick === undefined) return;
          const slow = schemas[entity].safeParse(raw);
          expect(slow.success).toBe(true);
          expect(quick).toStrictEqual(slow.data);
        }),
        { numRuns: 3000 },
      );
      expect(taken).toBeGreaterThan(30); // the generators do reach the fast path
    });
  }

  it('usage read from its CSV line: whatever the line path accepts, the schema accepts with the same record', () => {
    // Cells that are not plain text too: commas (so a line of 3 or 5 cells), quotes, week-like text.
    const cell = fc.oneof(
      { weight: 4, arbitrary: fc.string({ maxLength: 1 }).map(() => '') },
      { weight: 8, arbitrary: tricky },
      {
        weight: 2,
        arbitrary: fc.constantFrom('1,2', ',', 'A1,', '2026-11-1,', '2026-02-29', '2027-02-29', '1999-12-31'),
      },
      { weight: 2, arbitrary: fc.stringMatching(/^[0-9-]{0,11}$/) },
    );
    const plainUsage = fc.tuple(
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom('A1', 'ACC-0000001', 'x') }, { weight: 1, arbitrary: cell }),
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('2026-11-16', '2026-11-29', '2024-02-29') },
        { weight: 1, arbitrary: cell },
      ),
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom('0', '40', '123456789012345') }, { weight: 1, arbitrary: cell }),
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('7', '681', '0000000000000001') },
        { weight: 1, arbitrary: cell },
      ),
    );
    let taken = 0;
    fc.assert(
      fc.property(plainUsage, fc.string({ maxLength: 3 }), (cells, around) => {
        const line = cells.join(',');
        const text = `${around}\n${line}\n${around}`;
        const start = around.length + 1;
        const quick = paths.usageLine(text, start, start + line.length);
        if (quick === undefined) return;
        taken++;
        // What the line is read as: its cells split on commas (four of them, or the line path must refuse).
        const split = line.split(',');
        expect(split).toHaveLength(4);
        const raw = Object.fromEntries(CONTRACT_COLUMNS.usage.map((c, i) => [c, split[i]]));
        const slow = schemas.usage.safeParse(raw);
        expect(slow.success).toBe(true);
        expect(quick).toStrictEqual(slow.data);
        expect(quick).toStrictEqual(fast('usage', raw));
      }),
      { numRuns: 5000 },
    );
    expect(taken).toBeGreaterThan(300);
  });

  it('tickets read from their CSV line: whatever the line path accepts, the schema accepts with the same record', () => {
    const withCommas = fc.oneof(
      { weight: 6, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('1,2', ',', 'p1,', '2026-11-1,', '') },
    );
    let taken = 0;
    fc.assert(
      fc.property(rows.tickets, withCommas, fc.nat(5), (row, noise, at) => {
        const cells = CONTRACT_COLUMNS.tickets.map((c) => row[c] ?? '');
        if (noise !== undefined) cells[at] = noise;
        const line = cells.join(',');
        const text = `x\n${line}\ny`;
        const quick = paths.ticketLine(text, 2, 2 + line.length);
        if (quick === undefined) return;
        taken++;
        const split = line.split(',');
        expect(split).toHaveLength(6);
        const raw = Object.fromEntries(CONTRACT_COLUMNS.tickets.map((c, i) => [c, split[i]]));
        const slow = schemas.tickets.safeParse(raw);
        expect(slow.success).toBe(true);
        expect(quick).toStrictEqual(slow.data);
        expect(quick).toStrictEqual(fast('tickets', raw));
      }),
      { numRuns: 5000 },
    );
    expect(taken).toBeGreaterThan(100);
  });

  it('takes the ordinary rows (so the shortcut is really used)', () => {
    expect(
      fast('usage', { account_id: 'ACC-1', week: '2026-11-18', weekly_active_users: '40', licensed_seats: '50' }),
    ).toEqual({
      accountId: 'ACC-1',
      week: '2026-11-16',
      weeklyActiveUsers: 40,
      licensedSeats: 50,
    });
    expect(
      fast('tickets', {
        ticket_id: 'T1',
        account_id: 'ACC-1',
        opened_date: '2026-11-18',
        priority: 'p2',
        closed_date: '',
        csat: '4',
      }),
    ).toEqual({
      ticketId: 'T1',
      accountId: 'ACC-1',
      openedDate: '2026-11-18',
      priority: 'p2',
      csat: 4,
    });
  });

  it('reads CSV cells by position whatever the column order, with extra and repeated columns, as it reads the row by name', () => {
    const v = new RowValidator(opts);
    const columns = ['licensed_seats', 'note', 'week', 'account_id', 'weekly_active_users', 'week'];
    const rows = [
      ['50', 'x', '2026-01-01', 'ACC-1', '40', '2026-11-18'],
      ['50', 'x', '2026-11-18', ' ACC-1', '40', '2026-11-18'],
      ['-5', 'x', '2026-11-18', 'ACC-1', '40', 'not a date'],
    ];
    for (const values of rows) {
      const fields = Object.fromEntries(columns.map((c, i) => [c, values[i]]));
      expect(v.validateRow('usage', { fields, columns, values })).toEqual(v.validate('usage', fields));
    }
    // A plain line under the contract's own header is read from its text, to the same result.
    const line = 'x\nACC-1,2026-11-18,40,50\nACC-2,2026-02-30,1,2\n';
    const usageColumns = [...CONTRACT_COLUMNS.usage];
    const first = line.indexOf('\n') + 1;
    const second = line.indexOf('\n', first) + 1;
    for (const [start, end] of [
      [first, second - 1],
      [second, line.length - 1],
    ] as const) {
      expect(line.slice(start, end)).toMatch(/^ACC-\d,[^\n]+$/);
      const cells = line.slice(start, end).split(',');
      const fields = Object.fromEntries(usageColumns.map((c, i) => [c, cells[i]]));
      expect(
        v.validateRow('usage', { fields, columns: usageColumns, lineText: line, lineStart: start, lineEnd: end }),
      ).toEqual(v.validate('usage', fields));
    }
    expect(
      v.plainRecord('usage', {
        fields: {},
        columns: usageColumns,
        lineText: line,
        lineStart: first,
        lineEnd: second - 1,
      }),
    ).toEqual({ accountId: 'ACC-1', week: '2026-11-16', weeklyActiveUsers: 40, licensedSeats: 50 });
    expect(v.validateRow('usage', { fields: {}, columns, values: rows[0] })).toMatchObject({
      ok: true,
      record: { week: '2026-11-16' },
    });
  });

  it('validates spend (no fast path) by the schema, by name or by position', () => {
    const v = new RowValidator(opts);
    const columns = ['month', 'sales_marketing'];
    expect(
      v.validateRow('spend', {
        fields: { month: '2026-10', sales_marketing: '1200.50' },
        columns,
        values: ['2026-10', '1200.50'],
      }),
    ).toEqual({ ok: true, record: { month: '2026-10', salesMarketing: 120_050 } });
    expect(v.validate('spend', { month: '2026-13', sales_marketing: '1' })).toMatchObject({
      ok: false,
      errors: [{ field: 'month' }],
    });
  });

  it("reads money in the row currency's own decimals (JPY none, KWD three), codes in any case, upper-cased", () => {
    const v = new RowValidator(opts);
    const line = (arr: string, currency?: string) => ({
      line_id: 'L1',
      account_id: 'A',
      arr,
      start_date: '2026-01-05',
      currency,
    });
    expect(v.validate('subscriptions', line('12000', 'jpy'))).toMatchObject({
      ok: true,
      record: { arr: 12_000, currency: 'JPY' },
    });
    expect(v.validate('subscriptions', line('1500.125', 'KWD'))).toMatchObject({
      ok: true,
      record: { arr: 1_500_125, currency: 'KWD' },
    });
    expect(v.validate('subscriptions', line('1500.5', 'Eur'))).toMatchObject({
      ok: true,
      record: { arr: 150_050, currency: 'EUR' },
    });
    // The reporting currency, named or not, is plain cents with no currency on the record.
    expect(v.validate('subscriptions', line('1500.5', 'usd'))).toEqual({
      ok: true,
      record: { lineId: 'L1', accountId: 'A', kind: 'recurring', arr: 150_050, startDate: '2026-01-05' },
    });
    expect(v.validate('subscriptions', line('12000.5', 'JPY'))).toEqual({
      ok: false,
      errors: [{ field: 'arr', reason: '"12000.5" is not an amount in JPY (a decimal >= 0 with no decimals)' }],
    });
    expect(v.validate('subscriptions', line('1.0001', 'KWD'))).toMatchObject({
      ok: false,
      errors: [{ field: 'arr', reason: '"1.0001" is not an amount in KWD (a decimal >= 0 with at most 3 decimals)' }],
    });
    expect(v.validate('subscriptions', line('1.125'))).toMatchObject({ ok: false, errors: [{ field: 'arr' }] });
    expect(
      v.validate('renewals', {
        renewal_id: 'R',
        account_id: 'A',
        due_date: '2026-02-01',
        arr_up: '100',
        status: 'renewed',
        closed_date: '2026-02-01',
        renewed_arr: '1.5',
        currency: 'JPY',
      }),
    ).toMatchObject({
      ok: false,
      errors: [{ field: 'renewed_arr' }],
    });
    expect(
      v.validate('expansions', {
        opportunity_id: 'O',
        account_id: 'A',
        type: 'upsell',
        arr: '10',
        stage: 'open',
        currency: 'EURO',
      }),
    ).toMatchObject({
      ok: false,
      errors: [{ field: 'currency', reason: '"EURO" is not a currency code (ISO 4217: three letters, e.g. EUR)' }],
    });
    // Other entities take the reporting currency only.
    expect(v.validate('spend', { month: '2026-10', sales_marketing: '1', currency: 'EUR' })).toMatchObject({
      ok: false,
      errors: [{ field: 'currency' }],
    });
  });

  it('validates fx_rates: date, currency (upper-cased), rate a decimal > 0; the reporting currency only at 1', () => {
    const v = new RowValidator(opts);
    expect(v.validate('fx_rates', { date: '2026-01-02', currency: 'eur', rate: '1.0842' })).toEqual({
      ok: true,
      record: { date: '2026-01-02', currency: 'EUR', rate: '1.0842' },
    });
    expect(v.validate('fx_rates', { date: '2026-01-02', currency: 'EUR', rate: '0' })).toMatchObject({
      ok: false,
      errors: [{ field: 'rate' }],
    });
    expect(v.validate('fx_rates', { date: '2026-01-02', currency: 'EUR', rate: '-1.1' })).toMatchObject({
      ok: false,
      errors: [{ field: 'rate' }],
    });
    expect(v.validate('fx_rates', { date: '2026-01-02', currency: 'EUR' })).toMatchObject({
      ok: false,
      errors: [{ field: 'rate', reason: 'is required' }],
    });
    expect(v.validate('fx_rates', { date: '2026-01-02', currency: 'USD', rate: '1.00' })).toMatchObject({ ok: true });
    expect(v.validate('fx_rates', { date: '2026-01-02', currency: 'usd', rate: '1.1' })).toMatchObject({
      ok: false,
      errors: [{ field: 'rate' }],
    });
  });

  it('leaves bad rows to the schema, which names the field', () => {
    const v = new RowValidator(opts);
    expect(
      v.validate('usage', { account_id: 'A', week: '2026-02-30', weekly_active_users: '1', licensed_seats: '2' }),
    ).toEqual({
      ok: false,
      errors: [{ field: 'week', reason: '"2026-02-30" is not a calendar date (expected YYYY-MM-DD)' }],
    });
  });
});

describe('latestById', () => {
  it('keeps the last record of each id at the position of the first, like a map would (any entity keyed by one id)', () => {
    const ticket = fc.record({
      ticketId: fc.stringMatching(/^[ab]{0,3}$/),
      accountId: fc.constant('A'),
      openedDate: fc.constant('2026-01-01'),
      priority: fc.constant('p1' as const),
      csat: fc.nat(5),
    });
    fc.assert(
      fc.property(fc.array(ticket, { maxLength: 60 }), (rows) => {
        const byId = new Map<string, (typeof rows)[number]>();
        for (const r of rows) byId.set(r.ticketId, r);
        expect(latestById('tickets', rows)).toEqual([...byId.values()]);
      }),
    );
  });

  it('handles a large load with many repeated ids', () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => ({
      ticketId: `T${i % 20_000}`,
      accountId: 'A',
      openedDate: '2026-01-01',
      priority: 'p1' as const,
      csat: i % 5,
    }));
    const out = latestById('tickets', rows);
    expect(out).toHaveLength(20_000);
    expect(out[0]).toBe(rows[40_000]);
    expect(out[19_999]).toBe(rows[39_999]);
  });
});

describe('latestById for usage', () => {
  it('keeps the last row of each (account, week) at the position of the first, like a map would', () => {
    const row = fc.record({
      accountId: fc.constantFrom('A', 'B', 'C'),
      week: fc.constantFrom('2026-11-02', '2026-11-09', '2026-11-16'),
      weeklyActiveUsers: fc.nat(50),
      licensedSeats: fc.nat(50),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
        const byKey = new Map<string, (typeof rows)[number]>();
        for (const r of rows) byKey.set(`${r.accountId}#${r.week}`, r);
        expect(latestById('usage', rows)).toEqual([...byKey.values()]);
      }),
    );
  });
});
