// `pulse archive link --for`, `links`, `revoke --for` and `audit --json` as a user runs them: a
// real process, a real local stack under a temp folder.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = join(resolve(import.meta.dirname, '../..'), 'bin/pulse-cli.mjs');

async function pulse(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd,
      timeout: 120_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('pulse archive link --for / links / revoke / audit', () => {
  it('records a link bound to its recipient (address not in the link), lists it, revokes it, and prints the audit as JSON', async () => {
    const work = mkdtempSync(join(tmpdir(), 'pulse-links-'));
    const made = await pulse(['archive', 'link', 'index', '--for', 'CFO@northwind.example'], work);
    expect(made.code, made.stderr).toBe(0);
    const url = made.stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:4510\/d\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const payload = Buffer.from(url.split('/d/')[1]!.split('.')[0]!, 'base64url').toString();
    expect(payload).not.toContain('cfo');
    const linkId = (JSON.parse(payload) as { i: string }).i;
    expect(made.stderr).toContain(`link ${linkId}`);

    const listed = await pulse(['archive', 'links', '--for', 'cfo@northwind.example', '--json'], work);
    expect(listed.code, listed.stderr).toBe(0);
    const links = JSON.parse(listed.stdout) as {
      linkId: string;
      recipients: string[];
      revokedAt?: string;
      source: string;
    }[];
    expect(links).toEqual([expect.objectContaining({ linkId, recipients: ['cfo@northwind.example'], source: 'cli' })]);
    expect(links[0]!.revokedAt).toBeUndefined();

    const revoked = await pulse(['archive', 'revoke', '--for', 'cfo@northwind.example'], work);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${linkId}`);
    const after = JSON.parse((await pulse(['archive', 'links', '--json'], work)).stdout) as {
      linkId: string;
      revokedAt?: string;
    }[];
    expect(after.find((l) => l.linkId === linkId)?.revokedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const audit = await pulse(['archive', 'audit', '--since', '2026-01-01', '--json'], work);
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toEqual([]);
    expect((await pulse(['archive', 'revoke'], work)).code).toBe(1);
  }, 240_000); // six processes, each starting the local stack (a JVM)
});
