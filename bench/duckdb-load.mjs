// DuckDB loading the contract CSVs of a folder on one thread, as its own process (plain JavaScript:
// nothing to compile, so its start is DuckDB's own). bench/steps.ts loads the same tables before its
// queries; bench/run.ts times this script end to end against `pulse kpis --data`.
//   node bench/duckdb-load.mjs <dir>    -> prints `RESULT {"loadMs":..,"rows":..,"peakRssMb":..}`
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Every file, typed as the contract says (money as DECIMAL, dates as DATE). */
export const DUCKDB_TABLES = {
  accounts: {
    account_id: 'VARCHAR',
    name: 'VARCHAR',
    segment: 'VARCHAR',
    owner_email: 'VARCHAR',
    region: 'VARCHAR',
    created_date: 'DATE',
  },
  subscriptions: {
    line_id: 'VARCHAR',
    account_id: 'VARCHAR',
    product: 'VARCHAR',
    kind: 'VARCHAR',
    arr: 'DECIMAL(18,2)',
    start_date: 'DATE',
    end_date: 'DATE',
    seats: 'INTEGER',
  },
  renewals: {
    renewal_id: 'VARCHAR',
    account_id: 'VARCHAR',
    due_date: 'DATE',
    arr_up: 'DECIMAL(18,2)',
    status: 'VARCHAR',
    closed_date: 'DATE',
    renewed_arr: 'DECIMAL(18,2)',
  },
  expansions: {
    opportunity_id: 'VARCHAR',
    account_id: 'VARCHAR',
    type: 'VARCHAR',
    arr: 'DECIMAL(18,2)',
    stage: 'VARCHAR',
    created_date: 'DATE',
    close_date: 'DATE',
  },
  usage: { account_id: 'VARCHAR', week: 'DATE', weekly_active_users: 'INTEGER', licensed_seats: 'INTEGER' },
  tickets: {
    ticket_id: 'VARCHAR',
    account_id: 'VARCHAR',
    opened_date: 'DATE',
    priority: 'VARCHAR',
    closed_date: 'DATE',
    csat: 'INTEGER',
  },
  nps: { response_id: 'VARCHAR', account_id: 'VARCHAR', date: 'DATE', score: 'INTEGER', comment: 'VARCHAR' },
  spend: { month: 'VARCHAR', sales_marketing: 'DECIMAL(18,2)' },
};

/** A one-thread in-memory DuckDB with every table of `dir` loaded. */
export async function loadIntoDuckDb(dir) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  for (const [entity, columns] of Object.entries(DUCKDB_TABLES)) {
    const cols = JSON.stringify(columns).replace(/"/g, "'");
    await c.run(
      `CREATE TABLE ${entity} AS SELECT * FROM read_csv('${join(dir, `${entity}.csv`)}', header = true, auto_detect = false, columns = ${cols})`,
    );
  }
  return c;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const t0 = performance.now();
  const c = await loadIntoDuckDb(process.argv[2]);
  const loadMs = performance.now() - t0;
  const rows = Object.keys(DUCKDB_TABLES)
    .map((t) => `(SELECT count(*) FROM ${t})`)
    .join(' + ');
  const counted = (await c.runAndReadAll(`SELECT ${rows} AS n`)).getRowObjectsJS()[0];
  c.closeSync();
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`RESULT ${JSON.stringify({ loadMs, rows: Number(counted.n), peakRssMb })}\n`);
}
