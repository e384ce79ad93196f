// The ECB's reference-rate files (XML and both CSV layouts) -> cross rates into the reporting
// currency, exact to 10 decimals; and the rates source reading them over HTTP or from disk.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSource } from '../../functions/adapters/sources/connect';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { ingestSource } from '../../functions/app/ingest-source';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { EntityName, EntityTypes } from '../../functions/domain/contract/entities';
import {
  divide,
  ecbToFxRates,
  EcbFormatError,
  parseEcbCsv,
  parseEcbRates,
  parseEcbXml,
} from '../../functions/domain/sources/ecb-rates';
import { sourceSchema, type EcbRatesSourceDefinition } from '../../functions/domain/sources/registry';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/ecb');
const fixture = (f: string) => readFileSync(join(FIXTURES, f), 'utf8');

describe('ECB files', () => {
  it('reads the XML, the history CSV and the daily CSV to the same table', () => {
    const xml = parseEcbXml(fixture('eurofxref-sample.xml'));
    const hist = parseEcbCsv(fixture('eurofxref-hist-sample.csv'));
    const daily = parseEcbRates(fixture('eurofxref-daily-sample.csv'));
    expect(xml.map((d) => d.date)).toEqual(['2026-12-04', '2026-12-03']);
    expect(Object.fromEntries(xml[0]!.perEuro)).toEqual({ USD: '1.0543', JPY: '158.21', GBP: '0.8612', CHF: '0.9377' });
    expect(hist).toEqual(xml); // N/A (ISK) is "not quoted", not a rate
    expect(daily).toEqual([xml[0]]);
  });

  it('says what is wrong with a file that is not one', () => {
    expect(() => parseEcbRates('hello,world\n1,2')).toThrow(EcbFormatError);
    expect(() => parseEcbRates('<html><body>Maintenance</body></html>')).toThrow(/no gesmes:Envelope/);
    expect(() => parseEcbCsv('Date,USD\nyesterday,1.05')).toThrow(/line 2: "yesterday" is not a date/);
  });

  it('cross rates into the reporting currency: (reporting per EUR) / (k per EUR), half-up to 10 decimals; the euro itself', () => {
    const rows = ecbToFxRates(parseEcbXml(fixture('eurofxref-sample.xml')).slice(0, 1), 'usd');
    expect(rows).toEqual([
      { date: '2026-12-04', currency: 'JPY', rate: '0.0066639277' }, // 1.0543 / 158.21 = 0.006663927691...
      { date: '2026-12-04', currency: 'GBP', rate: '1.2242220158' }, // 1.0543 / 0.8612 = 1.224222015792...
      { date: '2026-12-04', currency: 'CHF', rate: '1.124346806' }, // 1.12434680601... (trailing zeros dropped)
      { date: '2026-12-04', currency: 'EUR', rate: '1.0543' },
    ]);
    const inEuro = ecbToFxRates(parseEcbXml(fixture('eurofxref-sample.xml')).slice(0, 1), 'EUR');
    expect(inEuro.find((r) => r.currency === 'USD')!.rate).toBe('0.9484966328'); // 1 / 1.0543
    expect(inEuro.some((r) => r.currency === 'EUR')).toBe(false);
    expect(ecbToFxRates(parseEcbXml(fixture('eurofxref-sample.xml')), 'NZD')).toEqual([]); // not quoted: no cross rate
  });

  it('divides exactly', () => {
    expect(divide('1', '3', 10)).toBe('0.3333333333');
    expect(divide('2', '3', 10)).toBe('0.6666666667');
    expect(divide('1.5', '0.5', 10)).toBe('3');
    expect(divide('0.00005', '1', 4)).toBe('0.0001');
  });
});

describe('the ecb-rates source', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
  const stored: EntityTypes['fx_rates'][] = [];
  const store = {
    async putRecords<K extends EntityName>(_e: K, records: readonly EntityTypes[K][]) {
      stored.push(...(records as unknown as EntityTypes['fx_rates'][]));
    },
  };
  const def = (ecb: Record<string, unknown>) =>
    sourceSchema.parse({ name: 'ecb', connector: 'ecb-rates', ecb }) as EcbRatesSourceDefinition;
  const deps = {
    s3: undefined as never,
    dropzoneBucket: '',
    secrets: new EnvSecrets({}),
    reportingCurrency: 'USD',
    http: { sleep: async () => {} },
  };
  const options = { sourceName: 'ecb', timeZone: 'UTC', weekStartsOn: 1 as const };

  it('loads the rates from a URL (a 503 first), every row valid', async () => {
    let calls = 0;
    server = createServer((_req, res) => {
      if (calls++ === 0) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' }).end(fixture('eurofxref-sample.xml'));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stats/eurofxref/eurofxref-90d.xml`;
    stored.length = 0;
    const result = await ingestSource(connectSource(def({ url }), deps), { store, validator }, options);
    expect(result.status).toBe('succeeded');
    expect(result.summary.rejects).toEqual([]);
    expect(stored).toHaveLength(8);
    expect(stored.find((r) => r.currency === 'GBP' && r.date === '2026-12-03')!.rate).toBe('1.2220221848'); // 1.0521 / 0.86095
  });

  it('loads a dropped copy from disk', async () => {
    stored.length = 0;
    const result = await ingestSource(
      connectSource(def({ path: join(FIXTURES, 'eurofxref-hist-sample.csv') }), deps),
      { store, validator },
      options,
    );
    expect(result.status).toBe('succeeded');
    expect(stored).toHaveLength(8);
  });
});
