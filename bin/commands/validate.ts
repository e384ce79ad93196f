import { readDataset } from '../../functions/app/read-contract';
import {
  dataFolder,
  formatLoadCounts,
  loadConfig,
  printIgnored,
  printRejects,
  printUnconverted,
  validatorFor,
} from './context';

export interface ValidateOptions {
  data: string;
  config?: string;
}

/** `pulse validate`: reports every rejected row and every row no rate converts; exit code 1 when there is any. */
export async function validateCommand(opts: ValidateOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const { summary, unknownAccounts, unconverted } = await readDataset(dataFolder(opts.data), validatorFor(config));
  console.log(formatLoadCounts(summary));
  printIgnored(summary.ignoredFiles, (s) => console.log(s));
  for (const [entity, ids] of unknownAccounts) {
    console.log(
      `warning: ${entity} reference ${ids.length} unknown account${ids.length > 1 ? 's' : ''}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}`,
    );
  }
  // A valid row that no rate converts counts nowhere: as much a problem to fix as a rejected one.
  printUnconverted(unconverted, (s) => console.log(s));
  if (summary.rejects.length === 0) {
    const ignored = summary.ignoredFiles.length;
    const files = ignored ? ` (${ignored} file${ignored > 1 ? 's' : ''} ignored: not read at all)` : '';
    console.log(
      unconverted.length
        ? `All rows are valid, but the rows above cannot be converted${files}.`
        : `All rows are valid${files}.`,
    );
    return unconverted.length ? 1 : 0;
  }
  console.log(
    `\n${summary.rejects.length} problem${summary.rejects.length > 1 ? 's' : ''} (file:line  field  reason):`,
  );
  printRejects(summary.rejects, (s) => console.log(s));
  return 1;
}
