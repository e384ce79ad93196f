import { readDataset } from '../../functions/app/read-contract';
import { FolderSource } from '../../functions/adapters/sources/file-reader';
import { formatLoadCounts, loadConfig, printRejects, printUnconverted, validatorFor } from './context';

export interface ValidateOptions {
  data: string;
  config?: string;
}

/** `pulse validate`: reports every rejected row and every row no rate converts; exit code 1 when there is any. */
export async function validateCommand(opts: ValidateOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const { summary, unknownAccounts, unconverted } = await readDataset(new FolderSource(opts.data), validatorFor(config));
  console.log(formatLoadCounts(summary));
  for (const f of summary.ignoredFiles) console.log(`ignored: ${f} (not a contract file name)`);
  for (const [entity, ids] of unknownAccounts) {
    console.log(`warning: ${entity} reference ${ids.length} unknown account${ids.length > 1 ? 's' : ''}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}`);
  }
  // A valid row that no rate converts counts nowhere: as much a problem to fix as a rejected one.
  printUnconverted(unconverted, (s) => console.log(s));
  if (summary.rejects.length === 0) {
    console.log(unconverted.length ? 'All rows are valid, but the rows above cannot be converted.' : 'All rows are valid.');
    return unconverted.length ? 1 : 0;
  }
  console.log(`\n${summary.rejects.length} problem${summary.rejects.length > 1 ? 's' : ''} (file:line  field  reason):`);
  printRejects(summary.rejects, (s) => console.log(s));
  return 1;
}
