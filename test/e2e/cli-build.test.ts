// The built `pulse` CLI (scripts/build-cli.mjs -> dist/cli/): it answers from the build, `--help`
// loads no dependency but commander, and an edited source is rebuilt before the next run.
import { execFile } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildCli, CLI_DIR, CLI_ENTRY, cliBuildIsCurrent } from '../../scripts/build-cli.mjs';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/pulse-cli.mjs');

const pulse = (args: string[]) => run(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 120_000 });

/** The modules a run loads before any command's own: the entry and what it imports statically. */
function staticImports(): { chunks: string[]; packages: Set<string> } {
  const chunks: string[] = [];
  const packages = new Set<string>();
  const pending = ['pulse.mjs'];
  while (pending.length) {
    const file = pending.pop()!;
    if (chunks.includes(file)) continue;
    chunks.push(file);
    const code = readFileSync(join(CLI_DIR, file), 'utf8');
    // Static imports only (`import ... from"x"` / `import"x"`); `import("x")` is a command's lazy load.
    for (const m of code.matchAll(/(?:from|import)\s*"([^"]+)"/g)) {
      const spec = m[1]!;
      if (spec.startsWith('./')) pending.push(spec.slice(2));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  }
  return { chunks, packages };
}

describe('the built pulse CLI', () => {
  it('answers --help and --version from dist/cli/pulse.mjs', async () => {
    await buildCli();
    expect(cliBuildIsCurrent()).toBe(true);
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    const v = await pulse(['--version']);
    expect(v.stdout.trim()).toBe(`pulse ${version}`);
    const help = await pulse(['--help']);
    expect(help.stdout).toMatch(/^Usage: pulse \[options\] \[command\]/);
    for (const command of ['validate', 'demo', 'kpis', 'report', 'alerts', 'sources', 'runs', 'archive'])
      expect(help.stdout).toContain(command);
  });

  it('loads only commander before a command runs (each command imports its own modules)', () => {
    expect(staticImports().packages).toEqual(new Set(['commander']));
  });

  it('rebuilds before running when a source is newer than the build', async () => {
    await buildCli();
    const before = statSync(CLI_ENTRY).mtimeMs;
    // A source the CLI is built from, edited after the build (same content: only its time changes).
    await new Promise((r) => setTimeout(r, 50));
    const now = new Date();
    utimesSync(join(ROOT, 'bin/commands/cli-error.ts'), now, now);
    expect(cliBuildIsCurrent()).toBe(false);
    const help = await pulse(['--help']);
    expect(help.stdout).toContain('Usage: pulse');
    expect(statSync(CLI_ENTRY).mtimeMs).toBeGreaterThan(before);
    expect(cliBuildIsCurrent()).toBe(true);
  });
});
