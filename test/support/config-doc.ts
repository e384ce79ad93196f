// The smallest valid config document, for tests that need a config with a few settings of their own.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MINIMAL_CONFIG = {
  company: { name: 'T', timezone: 'America/New_York' },
  recipients: { ceo: ['c@x.example'], cco: ['o@x.example'] },
  sender: { from: 'p@x.example' },
} as const;

/** MINIMAL_CONFIG with `extra` on top (top-level keys replaced). */
export function configDoc(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...MINIMAL_CONFIG, ...extra };
}

/** Writes `configDoc(extra)` to pulse.config.json in a new temp folder; returns the file's path. */
export function writeConfigFile(extra: Record<string, unknown> = {}): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pulse-config-')), 'pulse.config.json');
  writeFileSync(path, JSON.stringify(configDoc(extra)));
  return path;
}
