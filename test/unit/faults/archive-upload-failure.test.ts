// S3 failing in the middle of writing a week's pack: nothing half-written is ever presented as a
// pack (a version is complete exactly when its manifest exists), the archive run is recorded
// failed with S3's error and published as Pulse/RunsFailed, and the next run writes a new,
// complete version that says why. The use case makes one attempt per object: S3's own retries are
// the SDK's (standard mode: 3 attempts, full-jitter backoff), then Lambda's (2 more invocations).
// (Against the S3 emulator: test/integration/archive.test.ts.)
import { describe, expect, it } from 'vitest';
import { archiveWeek, listPacks } from '../../../functions/app/archive-week';
import { MANIFEST_NAME } from '../../../functions/domain/archive';
import { demoDataset, SETTINGS } from '../archive/fixtures';
import { FlakyArchive } from './flaky-archive';
import { expectFailedMetrics, expectRuns, observe, type Observed } from './observe';

const input = (runId: string, o?: Observed) => ({
  data: demoDataset('2026-11-23', 40, 4),
  settings: SETTINGS,
  asOf: '2026-11-22',
  report: { html: '<html><body>the email as sent</body></html>' },
  runId,
  generatedAt: '2026-11-23T13:05:00Z',
  configHash: 'cfg',
  ...(o ? { runLedger: o.ledger, trigger: 'schedule' } : {}),
});

describe('an S3 failure mid-upload of a pack', () => {
  it('leaves no manifest, lists no pack, and the rerun writes a complete version 2 that names why', async () => {
    const o = observe();
    const archive = new FlakyArchive(3); // three files land, then S3 fails
    await expect(archiveWeek(archive, input('run-1', o))).rejects.toThrow(/internal error/);
    const written = [...archive.objects.keys()];
    expect(written).toHaveLength(3);
    expect(archive.attempts).toBe(4); // the pack stops at the first failure: no write after it
    const [failed] = expectRuns(o, 'archive', ['failed']);
    expect(failed).toMatchObject({
      period: '2026-W47',
      errors: ['InternalError: We encountered an internal error. Please try again.'],
    });
    expectFailedMetrics(o, [failed!]);
    expect(written.some((k) => k.endsWith(MANIFEST_NAME))).toBe(false);
    expect(await listPacks(archive)).toEqual([]);

    archive.putsLeft = Infinity; // S3 is back
    const rerun = await archiveWeek(archive, input('run-2', o));
    expect(rerun.weekly).toMatchObject({ status: 'written', version: 2 });
    expect(rerun.weekly.prefix).toBe('archive/weekly/2026/2026-W47/v2/');
    expect(rerun.weekly.manifest.regeneration).toMatchObject({
      previousVersion: 1,
      supersedes: null,
      reason: expect.stringMatching(/version 1 was left incomplete/),
    });
    // every file the manifest vouches for is there with its checksum
    for (const f of rerun.weekly.manifest.files) expect(archive.objects.has(f.key), f.key).toBe(true);
    expect((await listPacks(archive)).map((p) => [p.manifest.period, p.versions])).toEqual([['2026-W47', [2]]]);

    // and a third run leaves the complete pack alone
    const again = await archiveWeek(archive, input('run-3', o));
    expect(again.weekly).toMatchObject({ status: 'exists', version: 2 });
    const runs = expectRuns(o, 'archive', ['failed', 'succeeded', 'succeeded']);
    expect(runs.map((r) => [r.counts.packsWritten ?? 0, r.counts.packsExisting ?? 0])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    expectFailedMetrics(o, [failed!]); // recovery publishes nothing
  });

  it('a failure while writing the manifest itself also leaves the version incomplete, never half-vouched', async () => {
    const probe = new FlakyArchive();
    await archiveWeek(probe, input('probe'));
    const filesPerPack = [...probe.objects.keys()].filter((k) => k.startsWith('archive/weekly/2026/2026-W47/')).length; // files + manifest
    const archive = new FlakyArchive(filesPerPack - 1); // every file lands, the manifest put fails
    const o = observe();
    await expect(archiveWeek(archive, input('run-1', o))).rejects.toThrow(/internal error/);
    expect(await listPacks(archive)).toEqual([]);
    expectFailedMetrics(o, expectRuns(o, 'archive', ['failed']));
  });
});
