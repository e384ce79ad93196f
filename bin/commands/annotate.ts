// `pulse annotate DATE "text" [--metric M]`: a dated note for the report's trend charts and the
// board pack, into the store (local or AWS) or, with --data, a folder's annotations.csv.
import { resolve } from 'node:path';
import { annotate, AnnotationError, storeAnnotationLog, type OpenAnnotationLog } from '../../functions/app/annotate';
import { AnnotationFile } from '../../functions/adapters/files/annotation-file';
import { CliError, loadConfig, validatorFor } from './context';
import type { TargetOptions } from './target';

export interface AnnotateOptions extends TargetOptions {
  metric?: string;
  data?: string;
  config?: string;
}

export async function annotateCommand(date: string, text: string, opts: AnnotateOptions): Promise<number> {
  const validator = validatorFor(loadConfig(opts.config));
  const input = { date, text, ...(opts.metric !== undefined ? { metric: opts.metric } : {}) };
  const openLog: OpenAnnotationLog =
    opts.data !== undefined
      ? async () => new AnnotationFile(resolve(opts.data!))
      : async () => {
          const { openTarget } = await import('./target');
          const session = await openTarget(opts);
          return {
            ...storeAnnotationLog(session.store, `the ${session.target} store (${session.resources.tableName})`),
            close: () => session.close(),
          };
        };
  try {
    const { annotation, where } = await annotate(input, validator, openLog);
    console.log(
      `${annotation.date}  ${annotation.text}${annotation.metric ? `  [${annotation.metric}]` : ''}  -> ${where}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof AnnotationError) throw new CliError(`annotation not added: ${e.message}`);
    throw e;
  }
}
