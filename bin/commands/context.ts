// What every CLI command needs: the config, the contract validator, and consistent output.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, parseConfigText, weekStartsOnNumber, type PulseConfig } from '../../functions/config';
import { RowValidator, type RowError } from '../../functions/domain/contract/validate';
import type { LoadSummary } from '../../functions/app/read-contract';
import { ENTITY_NAMES } from '../../functions/domain/contract/entities';

export const DEFAULT_CONFIG = 'pulse.config.json';

/** An expected failure: printed as a message, not a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function loadConfig(path = DEFAULT_CONFIG): PulseConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`Cannot read the config file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return parseConfigText(text, path);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
}

export function validatorFor(config: PulseConfig): RowValidator {
  return new RowValidator({ currency: config.company.currency, weekStartsOn: weekStartsOnNumber(config) });
}

export function formatReject(r: RowError): string {
  return `${r.file}:${r.line}  ${r.field}  ${r.reason}`;
}

/** A table of rows read, valid and rejected per entity. */
export function formatLoadCounts(summary: LoadSummary, extra?: { header: string; values: Record<string, number> }): string {
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
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export function printRejects(rejects: RowError[], write: (s: string) => void, limit = Infinity): void {
  for (const r of rejects.slice(0, limit)) write(formatReject(r));
  if (rejects.length > limit) write(`... and ${rejects.length - limit} more`);
}
