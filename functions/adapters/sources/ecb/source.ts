// The ECB's reference rates as a contract source: one `fx_rates` "file" read from a URL (the ECB's
// own, or a mirror) or from a file on disk (a dropped copy), in either of the ECB's formats, turned
// into cross rates for the reporting currency. Re-reading is harmless: a rate's key is (date, currency).
import { readFile } from 'node:fs/promises';
import { ecbToFxRates, parseEcbRates } from '../../../domain/sources/ecb-rates';
import type { EcbRatesSourceDefinition } from '../../../domain/sources/registry';
import type { ContractSource, SourceFile, SourceRow } from '../../../ports/source';
import { getText, type HttpClientOptions } from '../http/client';

export interface EcbRatesSourceOptions {
  definition: EcbRatesSourceDefinition;
  /** The company's reporting currency (rates are units of it per unit of each currency). */
  reportingCurrency: string;
  /** Test hooks for the download. */
  http?: Pick<HttpClientOptions, 'fetch' | 'sleep' | 'random'>;
}

export class EcbRatesSource implements ContractSource {
  readonly description: string;

  constructor(private readonly opts: EcbRatesSourceOptions) {
    const e = opts.definition.ecb;
    this.description = `ECB reference rates ${e.path ?? e.url}`;
  }

  async ignored(): Promise<string[]> {
    return [];
  }

  async *files(): AsyncGenerator<SourceFile> {
    const e = this.opts.definition.ecb;
    yield { entity: 'fx_rates', name: e.path ?? e.url, rows: () => this.rows() };
  }

  private async *rows(): AsyncGenerator<SourceRow> {
    const e = this.opts.definition.ecb;
    const text = e.path
      ? await readFile(e.path, 'utf8')
      : (
          await getText(
            e.url,
            { accept: 'application/xml, text/csv, */*' },
            {
              timeoutMs: e.timeoutMs,
              maxAttempts: e.maxAttempts,
              baseDelayMs: 1_000,
              maxDelayMs: 30_000,
              maxRetryAfterMs: 120_000,
              ...this.opts.http,
            },
            `GET ${e.url}`,
          )
        ).text;
    let line = 0;
    for (const rate of ecbToFxRates(parseEcbRates(text), this.opts.reportingCurrency)) {
      yield { ok: true, row: { line: ++line, fields: rate, raw: `${rate.date},${rate.currency},${rate.rate}` } };
    }
  }
}
