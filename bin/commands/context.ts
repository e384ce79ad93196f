// What every CLI command needs: the config, the contract validator, and consistent output.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, parseConfigText, weekStartsOnNumber, type PulseConfig } from '../../functions/config';
import { RowValidator, type RowError } from '../../functions/domain/contract/validate';
import type { UnconvertedRow } from '../../functions/domain/fx';
import type { LoadSummary } from '../../functions/app/read-contract';
import { ENTITY_NAMES } from '../../functions/domain/contract/entities';
import { FolderSource, recogniseFile } from '../../functions/adapters/sources/file-reader';
import { CliError } from './cli-error';

export const DEFAULT_CONFIG = 'pulse.config.json';

export { CliError } from './cli-error';

export function loadConfig(path = DEFAULT_CONFIG): PulseConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(
      `Cannot read the config file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  try {
    return parseConfigText(text, path);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
}

/** The contract file names a folder may hold, for messages. */
export const EXPECTED_FILE_NAMES = `${ENTITY_NAMES.map((e) => `${e}.csv`).join(', ')} (or .ndjson, optionally .gz; names in any case)`;

/**
 * The `--data` folder as a source, checked first: a missing path, a file or a folder without a
 * single contract file is one message naming the path (and the names expected), not a stack trace
 * or a report of zeros.
 */
export function dataFolder(dir: string): FolderSource {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory())
      throw new CliError(`--data ${dir} is not a folder (give the folder that holds the contract files)`);
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `--data ${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`,
    );
  }
  if (!names.some((n) => recogniseFile(n))) {
    const seen = names.length
      ? `it holds ${names.slice(0, 5).join(', ')}${names.length > 5 ? `, ... (${names.length} files)` : ''}, none of them a contract file`
      : 'it is empty';
    throw new CliError(`--data ${dir}: no contract file (${seen}); expected ${EXPECTED_FILE_NAMES}`);
  }
  return new FolderSource(dir);
}

/** One line per file of a folder that matches no entity, so a misnamed file is never silently left out. */
export function printIgnored(files: readonly string[], write: (s: string) => void): void {
  for (const f of files)
    write(`ignored: ${f} (not a contract file name: expected ${ENTITY_NAMES.join(', ')} .csv/.ndjson)`);
}

export function validatorFor(config: PulseConfig): RowValidator {
  return new RowValidator({ currency: config.company.currency, weekStartsOn: weekStartsOnNumber(config) });
}

export function formatReject(r: RowError): string {
  return `${r.file}:${r.line}  ${r.field}  ${r.reason}`;
}

/** An unconverted row: `subscriptions L-7 (account A-1): 1200.00 EUR on 2026-01-03: no EUR rate on or before 2026-01-03 (...)`. */
export function formatUnconverted(
  u: Pick<UnconvertedRow, 'entity' | 'id' | 'accountId' | 'currency' | 'amount' | 'reason'> & { date?: string | null },
): string {
  return `${u.entity} ${u.id} (account ${u.accountId}): ${u.amount} ${u.currency}${u.date ? ` on ${u.date}` : ''}: ${u.reason}`;
}

/** Prints the unconverted rows under one heading (nothing when there are none). */
export function printUnconverted(rows: readonly UnconvertedRow[], write: (s: string) => void, limit = Infinity): void {
  if (!rows.length) return;
  write(
    `${rows.length} row${rows.length > 1 ? 's' : ''} in another currency left out (unconverted: no rate on or before the row's date; add fx_rates rows):`,
  );
  for (const u of rows.slice(0, limit)) write(`  ${formatUnconverted(u)}`);
  if (rows.length > limit) write(`  ... and ${rows.length - limit} more`);
}

/** A table of rows read, valid and rejected per entity. */
export function formatLoadCounts(
  summary: LoadSummary,
  extra?: { header: string; values: Record<string, number> },
): string {
  const rows = ENTITY_NAMES.filter((e) => summary.counts[e].rows > 0 || (extra?.values[e] ?? 0) > 0).map((e) => {
    const c = summary.counts[e];
    const cells = [e, String(c.rows), String(c.valid), String(c.rejected)];
    if (extra) cells.push(String(extra.values[e] ?? 0));
    return cells;
  });
  const header = ['entity', 'rows', 'valid', 'rejected', ...(extra ? [extra.header] : [])];
  return table([header, ...rows]);
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

export function printRejects(rejects: RowError[], write: (s: string) => void, limit = Infinity): void {
  for (const r of rejects.slice(0, limit)) write(formatReject(r));
  if (rejects.length > limit) write(`... and ${rejects.length - limit} more`);
}
