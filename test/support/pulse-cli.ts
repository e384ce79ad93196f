// The CLI as a user runs it (node bin/pulse-cli.mjs), for the end-to-end tests: its exit code and
// output, a failure included.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI = join(resolve(import.meta.dirname, '../..'), 'bin/pulse-cli.mjs');

export async function runPulse(args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 120_000) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd,
      timeout: timeoutMs,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
