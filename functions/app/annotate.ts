// `pulse annotate DATE "text" [--metric M]`: one note, validated as an `annotations` row of the
// data contract (the same rules and messages as a file), then added to the store or a folder.
import type { Annotation } from '../domain/contract/entities';
import type { RowValidator } from '../domain/contract/validate';
import type { AnnotationLog } from '../ports/annotation-log';
import type { Store } from '../ports/store';

export class AnnotationError extends Error {
  constructor(readonly problems: { field: string; reason: string }[]) {
    super(problems.map((p) => `${p.field}: ${p.reason}`).join('; '));
    this.name = 'AnnotationError';
  }
}

export interface AnnotateInput {
  date: string;
  text: string;
  metric?: string;
}

/** An annotation log opened only once the note is valid (a bad date never starts the local stack). */
export type OpenAnnotationLog = () => Promise<AnnotationLog & { close?(): Promise<void> }>;

export async function annotate(
  input: AnnotateInput,
  validator: RowValidator,
  openLog: OpenAnnotationLog,
): Promise<{ annotation: Annotation; where: string }> {
  const result = validator.validate('annotations', { date: input.date, text: input.text, metric: input.metric });
  if (!result.ok) throw new AnnotationError(result.errors);
  const log = await openLog();
  try {
    return { annotation: result.record, where: await log.append(result.record) };
  } finally {
    await log.close?.();
  }
}

/** The store as an annotation log: one item keyed by date, metric and text (docs/data-store.md). */
export function storeAnnotationLog(store: Pick<Store, 'putRecords'>, description: string): AnnotationLog {
  return {
    async append(a) {
      await store.putRecords('annotations', [a]);
      return description;
    },
  };
}
