// `pulse annotate --data DIR`: appends the note to DIR/annotations.csv (or annotations.ndjson when
// the folder keeps NDJSON), creating it with the contract's header when missing. An existing CSV's
// own column order is kept. A note already in the file (same date, metric and text) is not added twice.
import { stringify } from 'csv-stringify/sync';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTRACT_COLUMNS, type Annotation } from '../../domain/contract/entities';
import { annotationKey } from '../../domain/plan';
import type { AnnotationLog } from '../../ports/annotation-log';

export class AnnotationFile implements AnnotationLog {
  constructor(private readonly dir: string) {}

  async append(a: Annotation): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const names = await readdir(this.dir);
    const existing = (ext: string) => names.find((n) => n.toLowerCase() === `annotations.${ext}`);
    const fields: Record<string, string> = { date: a.date, text: a.text, metric: a.metric ?? '' };
    const ndjson = existing('ndjson');
    if (ndjson && !existing('csv')) {
      const file = join(this.dir, ndjson);
      const text = await readFile(file, 'utf8');
      if (text.split('\n').some((line) => line.trim() !== '' && sameNote(safeJson(line), a))) return file;
      await appendFile(
        file,
        `${text === '' || text.endsWith('\n') ? '' : '\n'}${JSON.stringify(a.metric ? fields : { date: a.date, text: a.text })}\n`,
        'utf8',
      );
      return file;
    }
    const csvName = existing('csv');
    const file = join(this.dir, csvName ?? 'annotations.csv');
    if (!csvName) {
      await writeFile(
        file,
        stringify([fields], { header: true, columns: [...CONTRACT_COLUMNS.annotations], record_delimiter: 'windows' }),
        'utf8',
      );
      return file;
    }
    const text = await readFile(file, 'utf8');
    const header = text
      .split(/\r?\n/, 1)[0]!
      .split(',')
      .map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
    const missing = CONTRACT_COLUMNS.annotations.filter((c) => c !== 'metric' && !header.includes(c));
    if (missing.length)
      throw new Error(`${file}: the header has no ${missing.join(', ')} column; the note was not added`);
    const row = header.map((c) => fields[c] ?? '');
    if (text.includes(stringify([row], { record_delimiter: 'windows' }).trimEnd())) return file;
    const sep = text === '' || text.endsWith('\n') ? '' : '\r\n';
    await appendFile(file, sep + stringify([row], { record_delimiter: 'windows' }), 'utf8');
    return file;
  }
}

function safeJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function sameNote(row: Record<string, unknown> | undefined, a: Annotation): boolean {
  if (!row) return false;
  return (
    annotationKey({
      date: String(row.date ?? ''),
      text: String(row.text ?? ''),
      ...(row.metric ? { metric: row.metric as Annotation['metric'] & string } : {}),
    }) === annotationKey(a)
  );
}
