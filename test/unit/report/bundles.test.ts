// The Lambda bundles, built as lib/constructs/pulse-function.ts builds them: the email renderers
// run no CSS inliner (juice, cheerio, parse5, undici, iconv-lite stay build-time: the templates
// are prepared at synth time), zod brings no locale but English, and its messages are unchanged.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_ESBUILD_OPTIONS } from '../../../lib/constructs/pulse-function';
import { parseConfigText } from '../../../functions/config';

const ROOT = resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'pulse-bundles-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function bundle(entry: string, name: string): Promise<{ file: string; inputs: string[] }> {
  const file = join(work, `${name}.mjs`);
  const r = await build({
    ...BUNDLE_ESBUILD_OPTIONS,
    mainFields: [...BUNDLE_ESBUILD_OPTIONS.mainFields],
    entryPoints: [entry],
    outfile: file,
    metafile: true,
    logLevel: 'error',
  });
  const out = Object.values((r.metafile as Metafile).outputs)[0]!;
  return { file, inputs: Object.keys(out.inputs) };
}

describe('the Lambda bundles', () => {
  it.each(['alert-digest', 'weekly-report'])(
    '%s bundles no CSS inliner and no zod locale but English',
    async (name) => {
      const { inputs } = await bundle(join(ROOT, 'functions', 'handlers', `${name}.ts`), name);
      expect(inputs.some((i) => i.includes('functions/adapters/render/template-kit.ts'))).toBe(true);
      expect(
        inputs.filter(
          (i) =>
            /node_modules\/(juice|cheerio|parse5|undici|iconv-lite|web-resource-inliner)\//.test(i) ||
            i.includes('render/template-build'),
        ),
      ).toEqual([]);
      expect(inputs.filter((i) => i.includes('zod/v4/locales/')).map((i) => i.replace(/.*zod\//, 'zod/'))).toEqual([
        'zod/v4/locales/en.js',
      ]);
    },
    60_000,
  );

  it('reports invalid config with the same messages bundled as from source', async () => {
    const text = JSON.stringify({
      company: { name: '', timezone: 'Mars/Base', currency: 'usd' },
      recipients: { ceo: ['not-an-email'] },
      sender: {},
      metrics: { grossMargin: 'high', ltvMaxYears: -1 },
      health: 5,
    });
    const entry = join(work, 'config-entry.ts');
    writeFileSync(
      entry,
      `import { parseConfigText } from ${JSON.stringify(join(ROOT, 'functions', 'config.ts'))};\ntry { parseConfigText(${JSON.stringify(text)}, 'x.json'); } catch (e) { process.stdout.write(String(e.message)); }\n`,
    );
    const { file } = await bundle(entry, 'config-entry');
    let fromSource = '';
    try {
      parseConfigText(text, 'x.json');
    } catch (e) {
      fromSource = (e as Error).message;
    }
    expect(fromSource).toMatch(/Mars\/Base/);
    // one of zod's own (English) messages
    expect(fromSource).toContain('Too small: expected number to be >0');
    expect(execFileSync(process.execPath, [file], { encoding: 'utf8' })).toBe(fromSource);
  }, 60_000);
});
