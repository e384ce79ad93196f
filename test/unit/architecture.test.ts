// The dependency rules of the architecture (.dependency-cruiser.cjs): a pure domain, use cases
// that see only the domain and the ports, adapters behind ports, no CDK in runtime code.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('architecture', () => {
  it('keeps every dependency rule', async () => {
    const bin = resolve(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bin, 'functions', 'bin', 'lib', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
      {
        cwd: ROOT,
        maxBuffer: 100 * 1024 * 1024,
      },
    ).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    const result = JSON.parse(stdout) as {
      summary: { violations: { rule: { name: string }; from: string; to: string }[]; totalCruised: number };
    };
    expect(result.summary.totalCruised).toBeGreaterThan(50);
    expect(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });
});
