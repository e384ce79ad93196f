import { ingest } from '../../functions/app/ingest';
import { FolderSource } from '../../functions/adapters/sources/file-reader';
import { formatLoadCounts, loadConfig, printRejects, validatorFor } from './context';
import { openLocalStack } from './local';
import { createProgress } from './progress';

export interface IngestOptions {
  data: string;
  config?: string;
}

/** `pulse ingest`: load a folder of contract files into the local store, idempotently. */
export async function ingestCommand(opts: IngestOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const session = await openLocalStack((m) => console.error(m));
  try {
    const progress = createProgress('ingest');
    const { summary, written } = await ingest(new FolderSource(opts.data), validatorFor(config), session.store, {
      onProgress: (n) => progress.update(n),
    });
    progress.stop();
    console.log(formatLoadCounts(summary, { header: 'written', values: written }));
    const stored = await session.store.countRecords();
    console.log(`\nItems in the local store now: ${Object.entries(stored).map(([e, n]) => `${e} ${n}`).join(', ')}`);
    if (summary.rejects.length) {
      console.log(`\n${summary.rejects.length} rejected row problem(s) (file:line  field  reason):`);
      printRejects(summary.rejects, (s) => console.log(s), 50);
    }
    return 0;
  } finally {
    await session.close();
  }
}
