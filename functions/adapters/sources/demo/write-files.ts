// Writes demo data as contract CSV files (`accounts.csv`, `subscriptions.csv`, ...): a header row
// and RFC 4180 quoting with CRLF line ends. The only I/O of the demo source.
import { stringify } from 'csv-stringify/sync';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENTITY_NAMES } from '../../../domain/contract/entities';
import { demoColumns, type DemoData } from './generator';

export interface WrittenFile {
  /** Path of the written file (`dir` joined with `<entity>.csv`). */
  file: string;
  /** Data rows written (the header not counted). */
  rows: number;
}

/** Serialises one entity's rows; every file has a header, even with no rows. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, string>[]): string {
  return stringify(rows as Record<string, string>[], {
    header: true,
    columns: [...columns],
    record_delimiter: 'windows',
  });
}

/** Writes one CSV file per entity into `dir` (created if missing), replacing files of the same name. */
export async function writeDemoFiles(data: DemoData, dir: string): Promise<WrittenFile[]> {
  await mkdir(dir, { recursive: true });
  const written: WrittenFile[] = [];
  for (const entity of ENTITY_NAMES) {
    const rows = data[entity];
    const file = join(dir, `${entity}.csv`);
    await writeFile(file, toCsv(demoColumns(entity), rows), 'utf8');
    written.push({ file, rows: rows.length });
  }
  return written;
}
