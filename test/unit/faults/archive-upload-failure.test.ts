// S3 failing in the middle of writing a week's pack: nothing half-written is ever presented as a
// pack (a version is complete exactly when its manifest exists), and the next run writes a new,
// complete version that says why.
import { describe, expect, it } from 'vitest';
import { archiveWeek, listPacks } from '../../../functions/app/archive-week';
import { MANIFEST_NAME } from '../../../functions/domain/archive';
import type { ArchiveStore } from '../../../functions/ports/archive';
import { demoDataset, SETTINGS } from '../archive/fixtures';

/** An archive in memory whose conditional puts start failing after `okPuts` of them. */
class FlakyArchive implements ArchiveStore {
  readonly objects = new Map<string, Uint8Array>();
  putsLeft: number;
  constructor(okPuts = Infinity) {
    this.putsLeft = okPuts;
  }
  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    if (this.putsLeft-- <= 0) throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError', $fault: 'server' });
    if (this.objects.has(key)) return false;
    this.objects.set(key, body);
    return true;
  }
  async put(key: string, body: Uint8Array): Promise<void> {
    this.objects.set(key, body);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

const input = (runId: string) => ({
  data: demoDataset('2026-11-23', 40, 4),
  settings: SETTINGS,
  asOf: '2026-11-22',
  report: { html: '<html><body>the email as sent</body></html>' },
  runId,
  generatedAt: '2026-11-23T13:05:00Z',
  configHash: 'cfg',
});

describe('an S3 failure mid-upload of a pack', () => {
  it('leaves no manifest, lists no pack, and the rerun writes a complete version 2 that names why', async () => {
    const archive = new FlakyArchive(3); // three files land, then S3 fails
    await expect(archiveWeek(archive, input('run-1'))).rejects.toThrow(/internal error/);
    const written = [...archive.objects.keys()];
    expect(written).toHaveLength(3);
    expect(written.some((k) => k.endsWith(MANIFEST_NAME))).toBe(false);
    expect(await listPacks(archive)).toEqual([]);

    archive.putsLeft = Infinity; // S3 is back
    const rerun = await archiveWeek(archive, input('run-2'));
    expect(rerun.weekly).toMatchObject({ status: 'written', version: 2 });
    expect(rerun.weekly.prefix).toBe('archive/weekly/2026/2026-W47/v2/');
    expect(rerun.weekly.manifest.regeneration).toMatchObject({ previousVersion: 1, supersedes: null, reason: expect.stringMatching(/version 1 was left incomplete/) });
    // every file the manifest vouches for is there with its checksum
    for (const f of rerun.weekly.manifest.files) expect(archive.objects.has(f.key), f.key).toBe(true);
    expect((await listPacks(archive)).map((p) => [p.manifest.period, p.versions])).toEqual([['2026-W47', [2]]]);

    // and a third run leaves the complete pack alone
    const again = await archiveWeek(archive, input('run-3'));
    expect(again.weekly).toMatchObject({ status: 'exists', version: 2 });
  });

  it('a failure while writing the manifest itself also leaves the version incomplete, never half-vouched', async () => {
    const probe = new FlakyArchive();
    await archiveWeek(probe, input('probe'));
    const filesPerPack = [...probe.objects.keys()].filter((k) => k.startsWith('archive/weekly/2026/2026-W47/')).length; // files + manifest
    const archive = new FlakyArchive(filesPerPack - 1); // every file lands, the manifest put fails
    await expect(archiveWeek(archive, input('run-1'))).rejects.toThrow(/internal error/);
    expect(await listPacks(archive)).toEqual([]);
  });
});
