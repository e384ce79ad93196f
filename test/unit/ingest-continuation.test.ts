// A source that stops inside its time budget (a long Stripe backfill) is run again in a new
// invocation by the ingest job; one that finished, or failed, is not.
import { describe, expect, it } from 'vitest';
import { runIngestJob, type IngestJobDeps } from '../../functions/app/ingest-job';
import { parseConfig } from '../../functions/config';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { ContractSource, SourceFile } from '../../functions/ports/source';
import { configDoc } from '../support/config-doc';
import { MemoryRunLedger } from './report/fakes';

const config = parseConfig(configDoc({ sources: [{ name: 'stripe', connector: 'stripe', schedule: 'manual' }] }));

/** A source with one account row that says whether it stopped early. */
function source(continues: boolean, valid = true): ContractSource {
  return {
    description: 'test source',
    async *files(): AsyncGenerator<SourceFile> {
      yield {
        entity: 'accounts',
        name: 'customers',
        async *rows() {
          yield {
            ok: true,
            row: { line: 1, fields: valid ? { account_id: 'A1', name: 'Acme' } : { account_id: 'A1' }, raw: 'A1' },
          };
        },
      };
    },
    async ignored() {
      return [];
    },
    continues: () => continues,
  };
}

function deps(src: ContractSource, continued: string[]): IngestJobDeps {
  return {
    store: { putRecords: async () => {}, deleteRecords: async () => {} } as unknown as IngestJobDeps['store'],
    validator: new RowValidator({ currency: 'USD', weekStartsOn: 1 }),
    ledger: new MemoryRunLedger(),
    rejects: { write: async () => 'rejects.csv' },
    connector: {
      connect: () => src,
      dropZone: () => {
        throw new Error('no drop-zone here');
      },
      setAside: async () => '',
    },
    continuation: { continueSource: async (s) => void continued.push(s) },
  };
}

describe('the ingest job and a source that continues', () => {
  it('runs the source again in a new invocation when it stopped inside its budget', async () => {
    const continued: string[] = [];
    const result = await runIngestJob(deps(source(true), continued), config, { source: 'stripe', parts: 'announced' });
    expect(result.runs).toEqual([expect.objectContaining({ source: 'stripe', status: 'succeeded', continues: true })]);
    expect(continued).toEqual(['stripe']);
  });

  it('does not when the source finished', async () => {
    const continued: string[] = [];
    await runIngestJob(deps(source(false), continued), config, { source: 'stripe', parts: 'announced' });
    expect(continued).toEqual([]);
  });

  it('does not when the run failed (the next scheduled run retries from the same checkpoint)', async () => {
    const continued: string[] = [];
    const result = await runIngestJob(deps(source(true, false), continued), config, {
      source: 'stripe',
      parts: 'announced',
    });
    expect(result.runs[0]!.status).toBe('failed');
    expect(continued).toEqual([]);
  });
});
