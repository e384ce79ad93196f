import { ingest } from '../../functions/app/ingest';
import { FolderSource } from '../../functions/adapters/sources/file-reader';
import { formatLoadCounts, loadConfig, printRejects, validatorFor } from './context';
import { openTarget, type TargetOptions } from './target';
import { createProgress } from './progress';

export interface IngestOptions extends TargetOptions {
  data: string;
  config?: string;
}

/** `pulse ingest`: load a folder of contract files into the store (local or deployed), idempotently. */
export async function ingestCommand(opts: IngestOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const session = await openTarget(opts, (m) => console.error(m));
  try {
    const progress = createProgress('ingest');
    const { summary, written } = await ingest(new FolderSource(opts.data), validatorFor(config), session.store, {
      onProgress: (n) => progress.update(n),
    });
    progress.stop();
    console.log(formatLoadCounts(summary, { header: 'written', values: written }));
    const stored = await session.store.countRecords();
    console.log(`\nItems in the ${session.target === 'local' ? 'local store' : `table ${session.resources.tableName}`} now: ${Object.entries(stored).map(([e, n]) => `${e} ${n}`).join(', ')}`);
    if (summary.rejects.length) {
      console.log(`\n${summary.rejects.length} rejected row problem(s) (file:line  field  reason):`);
      printRejects(summary.rejects, (s) => console.log(s), 50);
    }
    return 0;
  } finally {
    await session.close();
  }
}
