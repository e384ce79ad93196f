import { readDataset } from '../../functions/app/read-contract';
import { FolderSource } from '../../functions/adapters/sources/file-reader';
import { formatLoadCounts, loadConfig, printRejects, validatorFor } from './context';

export interface ValidateOptions {
  data: string;
  config?: string;
}

/** `pulse validate`: reports every rejected row; exit code 1 when any row is rejected. */
export async function validateCommand(opts: ValidateOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const { summary, unknownAccounts } = await readDataset(new FolderSource(opts.data), validatorFor(config));
  console.log(formatLoadCounts(summary));
  for (const f of summary.ignoredFiles) console.log(`ignored: ${f} (not a contract file name)`);
  for (const [entity, ids] of unknownAccounts) {
    console.log(`warning: ${entity} reference ${ids.length} unknown account${ids.length > 1 ? 's' : ''}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}`);
  }
  if (summary.rejects.length === 0) {
    console.log('All rows are valid.');
    return 0;
  }
  console.log(`\n${summary.rejects.length} problem${summary.rejects.length > 1 ? 's' : ''} (file:line  field  reason):`);
  printRejects(summary.rejects, (s) => console.log(s));
  return 1;
}
