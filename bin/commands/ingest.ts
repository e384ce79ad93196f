import { resolve } from 'node:path';
import { ingestSource } from '../../functions/app/ingest-source';
import { weekdayNumber } from '../../functions/domain/dates';
import { convertDataset, unconvertedRows } from '../../functions/domain/fx';
import {
  dataFolder,
  formatLoadCounts,
  loadConfig,
  printIgnored,
  printRejects,
  printUnconverted,
  validatorFor,
} from './context';
import { createProgress } from './progress';
import { sourcesWiring } from './sources';
import { openTarget, type TargetOptions } from './target';

export interface IngestOptions extends TargetOptions {
  data: string;
  config?: string;
}

/**
 * `pulse ingest`: load a folder of contract files into the store (local or deployed), idempotently,
 * as one recorded run (`pulse runs`) with its rejects report, like every other ingest.
 */
export async function ingestCommand(opts: IngestOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const source = dataFolder(opts.data);
  const session = await openTarget(opts, (m) => console.error(m));
  const wiring = sourcesWiring(session);
  try {
    const progress = createProgress('ingest');
    const result = await ingestSource(
      source,
      { store: session.store, validator: validatorFor(config), ledger: wiring.ledger, rejects: wiring.rejects },
      {
        sourceName: `folder:${resolve(opts.data)}`,
        timeZone: config.company.timezone,
        weekStartsOn: weekdayNumber(config.company.weekStartsOn),
        trigger: 'cli',
        onProgress: (n) => progress.update(n),
      },
    );
    progress.stop();
    const { summary, written } = result;
    console.log(formatLoadCounts(summary, { header: 'written', values: written }));
    printIgnored(summary.ignoredFiles, (s) => console.log(s));
    const stored = await session.store.countRecords();
    console.log(
      `\nItems in the ${session.target === 'local' ? 'local store' : `table ${session.resources.tableName}`} now: ${Object.entries(
        stored,
      )
        .map(([e, n]) => `${e} ${n}`)
        .join(', ')}`,
    );
    console.log(`Run ${result.runId} (${result.status}); see \`pulse runs\`.`);
    // Rates and the rows they convert may arrive in different runs: check what the store now holds.
    if (written.subscriptions + written.renewals + written.expansions + written.fx_rates > 0) {
      const held = await session.store.loadDataset({ usageFrom: '9999-12-31' });
      printUnconverted(
        unconvertedRows(convertDataset(held, config.company.currency)),
        (s) => console.log(`\n${s}`),
        50,
      );
    }
    if (summary.rejects.length) {
      console.log(`\n${summary.rejects.length} rejected row problem(s) (file:line  field  reason):`);
      printRejects(summary.rejects, (s) => console.log(s), 50);
      if (result.rejectsLocation) console.log(`rejects report: ${result.rejectsLocation}`);
    }
    return result.status === 'succeeded' ? 0 : 1;
  } finally {
    wiring.close();
    await session.close();
  }
}
