// Streaming stays in constant memory: a generated ~20 MB CSV, gzip-compressed on the fly, is read
// row by row through readRows while the heap is sampled. (The 200 MB run belongs to the benchmark.)
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readRows } from '../../functions/adapters/sources/file-reader';

const TARGET_BYTES = 20 * 1024 * 1024;

// A collectable heap sample needs a full GC: expose it for this test only.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** usage.csv rows, generated lazily in 64 KB chunks. */
function* usageCsv(): Generator<string> {
  yield 'account_id,week,weekly_active_users,licensed_seats,notes\n';
  let bytes = 0;
  let i = 0;
  while (bytes < TARGET_BYTES) {
    let chunk = '';
    while (chunk.length < 65_536) {
      chunk += `ACC-${String(i % 5000).padStart(6, '0')},2026-${String(1 + (i % 12)).padStart(2, '0')}-01,${i % 977},${1000 + (i % 13)},"padding text, quoted, to make the row longer ${i}"\n`;
      i++;
    }
    bytes += chunk.length;
    yield chunk;
  }
}

describe('readRows memory', () => {
  it('streams a ~20 MB gzip CSV with bounded heap growth', async () => {
    const gz = Readable.from(usageCsv()).pipe(createGzip({ level: 1 }));
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let retained = 0;
    let rows = 0;
    let bad = 0;
    for await (const r of readRows(gz, 'csv', true)) {
      if (!r.ok) bad++;
      if (++rows % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      if (rows % 25_000 === 0) {
        gc();
        retained = Math.max(retained, process.memoryUsage().heapUsed - baseline);
      }
    }
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.info(
      `streamed ${rows} rows (~${mb(TARGET_BYTES)} MB of CSV): heap growth ${mb(retained)} MB live after GC (peak ${mb(peak)} MB with garbage)`,
    );
    expect(bad).toBe(0);
    expect(rows).toBeGreaterThan(200_000);
    // Holding the rows would take well over 100 MB; streaming keeps a few chunks alive.
    expect(retained).toBeLessThan(16 * 1024 * 1024);
  });
});
