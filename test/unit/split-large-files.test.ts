// The split use case (functions/app/split-large-files.ts) against an in-memory drop-zone: which
// files are large, what happens when reading fails half-way (the file's fault vs the infrastructure's).
import { describe, expect, it } from 'vitest';
import { splitLargeFiles } from '../../functions/app/split-large-files';
import type { DropZoneParts, SplittableFile } from '../../functions/ports/file-parts';

class MemoryZone implements DropZoneParts {
  parts = new Map<string, string>();
  settled: [string, string][] = [];
  constructor(
    private readonly files: Record<string, string>,
    private readonly failAfterChunks?: { key: string; chunks: number; error: Error },
  ) {}
  async splittable(): Promise<SplittableFile[]> {
    return Object.keys(this.files).map((key) => ({ key, entity: 'usage', format: 'csv', gzip: false }));
  }
  async head(key: string) {
    const text = this.files[key];
    return text === undefined ? undefined : { bytes: text.length, etag: '"0123456789abcdef"' };
  }
  async *text(key: string): AsyncGenerator<string> {
    const text = this.files[key]!;
    let n = 0;
    for (let i = 0; i < text.length; i += 16) {
      if (this.failAfterChunks?.key === key && n++ === this.failAfterChunks.chunks) throw this.failAfterChunks.error;
      yield text.slice(i, i + 16);
    }
  }
  async putPart(key: string, text: readonly string[]) {
    this.parts.set(key, text.join(''));
  }
  async settle(key: string, outcome: 'processed' | 'failed', runId: string) {
    this.settled.push([key, outcome]);
    return `${outcome}/${runId}/${key}`;
  }
}

const usage = (n: number) =>
  [
    'account_id,week,weekly_active_users,licensed_seats',
    ...Array.from({ length: n }, (_, i) => `A${i},2026-11-16,1,2`),
  ].join('\n') + '\n';

describe('splitLargeFiles', () => {
  it('splits only files with more rows than partRows; small ones are kept whole', async () => {
    const zone = new MemoryZone({ 'incoming/s/usage.csv': usage(25), 'incoming/s/small/usage.csv': usage(10) });
    const out = await splitLargeFiles(zone, {}, { sourceName: 's', partRows: 10, runId: 'R1' });
    expect(out.kept).toEqual(['incoming/s/small/usage.csv']);
    expect(out.split.map((f) => [f.key, f.rows, f.parts.length, f.outcome])).toEqual([
      ['incoming/s/usage.csv', 25, 3, 'processed'],
    ]);
    expect([...zone.parts.keys()]).toEqual([
      'parts/s/0123456789ab/00001-L0/usage.csv',
      'parts/s/0123456789ab/00002-L10/usage.csv',
      'parts/s/0123456789ab/00003-L20/usage.csv',
    ]);
    expect(zone.settled).toEqual([['incoming/s/usage.csv', 'processed']]);
  });

  it('records nothing and splits nothing when every file is small', async () => {
    const zone = new MemoryZone({ 'incoming/s/usage.csv': usage(3) });
    expect(await splitLargeFiles(zone, {}, { sourceName: 's', partRows: 10 })).toEqual({
      split: [],
      kept: ['incoming/s/usage.csv'],
    });
  });

  it('a file that cannot be read to the end: the rows before are in parts, the file goes to failed/', async () => {
    const zone = new MemoryZone(
      { 'incoming/s/usage.csv': usage(40) },
      { key: 'incoming/s/usage.csv', chunks: 40, error: new Error('unexpected end of file') },
    );
    // the "is it large?" pass reads only 11 rows, so it passes; the split pass stops at chunk 40
    const out = await splitLargeFiles(zone, {}, { sourceName: 's', partRows: 10, runId: 'R2' });
    const f = out.split[0]!;
    expect(f.outcome).toBe('failed');
    expect(f.error).toBe('unexpected end of file');
    expect(zone.settled).toEqual([['incoming/s/usage.csv', 'failed']]);
    const rows = [...zone.parts.values()].map((t) => t.split('\n').slice(1).join('\n')).join('');
    expect(usage(40).startsWith(`account_id,week,weekly_active_users,licensed_seats\n${rows}`)).toBe(true);
  });

  it('an infrastructure error stops the split and leaves the original where it is (the retry splits again)', async () => {
    const err = Object.assign(new Error('S3 is down'), { $metadata: { httpStatusCode: 503 } });
    const zone = new MemoryZone(
      { 'incoming/s/usage.csv': usage(40) },
      { key: 'incoming/s/usage.csv', chunks: 40, error: err },
    );
    await expect(splitLargeFiles(zone, {}, { sourceName: 's', partRows: 10 })).rejects.toThrow('S3 is down');
    expect(zone.settled).toEqual([]);
  });
});
