// A duplicated scheduler event (EventBridge Scheduler delivers at least once; Lambda retries) and
// two concurrent runs of the same week: every recipient gets the week's report once, the week's
// snapshots and pack exist once, and the ledger records every run. A duplicate that found the work
// done is a succeeded run (no failure metric); a run that lost a race to write the same pack
// version is a failed run, published as RunsFailed, and its retry finds the pack complete.
// (Alerts: test/unit/alerts/evaluate-alerts.test.ts, "concurrent runs"; the report handler on the
// embedded stack: test/integration/weekly-report-handler.test.ts and weekly-report.test.ts.)
import { describe, expect, it } from 'vitest';
import { archiveWeek, listPacks } from '../../../functions/app/archive-week';
import { computeWeek } from '../../../functions/app/compute-week';
import { sendWeeklyReport } from '../../../functions/app/send-weekly-report';
import type { OutgoingMessage } from '../../../functions/ports/mailer';
import type { KpiSnapshot } from '../../../functions/ports/store';
import { demoDataset, SETTINGS } from '../archive/fixtures';
import { MemoryMailer, MemorySendLedger, MemoryStore } from '../report/fakes';
import { FlakyArchive } from './flaky-archive';
import { expectFailedMetrics, expectRuns, observe } from './observe';
import { ASOF, NOW, plainRenderer, RECIPIENTS, settings } from './report-world';

const data = demoDataset('2026-11-23', 40, 4);

/** A mailer that takes a while to answer, so concurrent runs really overlap. */
class SlowMailer extends MemoryMailer {
  override async send(message: OutgoingMessage) {
    await new Promise((r) => setTimeout(r, 20));
    return super.send(message);
  }
}

class SnapshotStore extends MemoryStore {
  readonly snapshots = new Map<string, KpiSnapshot>();
  writes = 0;
  override async putSnapshot(s: KpiSnapshot): Promise<void> {
    this.writes++;
    this.snapshots.set(`${s.scope}|${s.week}`, s);
  }
}

function reportWorld() {
  const o = observe();
  o.memory.ingested('crm', '2026-11-23T11:00:00Z');
  const deps = {
    store: new MemoryStore(data),
    runLedger: o.ledger,
    sendLedger: new MemorySendLedger(),
    mailer: new SlowMailer(),
    renderer: plainRenderer,
    now: () => NOW,
  };
  const run = () => sendWeeklyReport(deps, settings, { asOf: ASOF, dataset: data, trigger: 'schedule' });
  const received = () => deps.mailer.sent.flatMap((m) => m.to).sort();
  return { o, deps, run, received };
}

describe('the weekly report', () => {
  it('a duplicated scheduler event: the second run finds every recipient sent and sends nothing; both runs succeed; no failure metric', async () => {
    const w = reportWorld();
    const first = await w.run();
    const second = await w.run();
    expect(first.status === 'sent' && first.sends.sent).toHaveLength(2);
    expect(second.status === 'sent' && second.sends.alreadySent.map((s) => s.recipient)).toEqual(RECIPIENTS);
    expect(w.received()).toEqual([...RECIPIENTS].sort());
    const runs = expectRuns(w.o, 'report', ['succeeded', 'succeeded']);
    expect(runs.map((r) => [r.counts.sent, r.counts.alreadySent])).toEqual([
      [2, 0],
      [0, 2],
    ]);
    expectFailedMetrics(w.o, []);
  });

  it('two concurrent runs of the same week: one message per recipient; the run that lost every claim sends nothing and says why', async () => {
    const w = reportWorld();
    const [a, b] = await Promise.all([w.run(), w.run()]);
    expect(w.received()).toEqual([...RECIPIENTS].sort());
    expect(w.deps.mailer.sent).toHaveLength(1);
    const sent = [a, b].map((r) => (r.status === 'sent' ? r.sends.sent.length : -1)).sort();
    expect(sent).toEqual([0, 2]);
    const loser = [a, b].find((r) => r.status === 'sent' && r.sends.sent.length === 0)!;
    expect(loser.status === 'sent' && loser.sends.inFlight.map((s) => s.recipient)).toEqual(RECIPIENTS);
    const runs = expectRuns(w.o, 'report', ['succeeded', 'succeeded']);
    expect(runs.flatMap((r) => r.errors)).toEqual(
      RECIPIENTS.map((rc) => expect.stringMatching(new RegExp(`^${rc}: claimed at .* not sent again`))),
    );
    expectFailedMetrics(w.o, []);
    // A third delivery of the event, after both: everything already sent.
    const third = await w.run();
    expect(third.status === 'sent' && third.sends.alreadySent).toHaveLength(2);
    expect(w.deps.mailer.sent).toHaveLength(1);
  });
});

describe('the week computation', () => {
  it('two concurrent runs (or a duplicate) write the same snapshots, once per week and scope; both runs succeed', async () => {
    const o = observe();
    const store = new SnapshotStore(data);
    const run = () =>
      computeWeek(store, SETTINGS, {
        asOf: ASOF,
        history: 2,
        computedAt: '2026-11-23T12:00:00Z',
        dataset: data,
        runLedger: o.ledger,
        trigger: 'schedule',
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.snapshotsWritten).toEqual(b.snapshotsWritten);
    const keys = [...store.snapshots.keys()];
    expect(keys.filter((k) => k.startsWith('company|')).sort()).toEqual([
      'company|2026-W45',
      'company|2026-W46',
      'company|2026-W47',
    ]);
    expect(store.writes).toBe(2 * store.snapshots.size); // idempotent overwrites, nothing extra
    expectRuns(o, 'compute', ['succeeded', 'succeeded']);
    expectFailedMetrics(o, []);
  });
});

describe("the week's archive pack", () => {
  const input = (runId: string, ledger: ReturnType<typeof observe>['ledger']) => ({
    data,
    settings: SETTINGS,
    asOf: ASOF,
    report: { html: '<html><body>the email as sent</body></html>' },
    runId,
    generatedAt: '2026-11-23T13:05:00Z',
    configHash: 'cfg',
    runLedger: ledger,
    trigger: 'schedule',
  });

  it('a duplicate after the pack exists writes nothing and succeeds', async () => {
    const o = observe();
    const archive = new FlakyArchive();
    await archiveWeek(archive, input('evt-1', o.ledger));
    const objects = archive.objects.size;
    expect((await archiveWeek(archive, input('evt-1', o.ledger))).weekly).toMatchObject({
      status: 'exists',
      version: 1,
    });
    expect(archive.objects.size).toBe(objects);
    expectRuns(o, 'archive', ['succeeded', 'succeeded']);
    expectFailedMetrics(o, []);
  });

  it("two concurrent runs: one complete version, never two half ones; the loser waits for the winner's manifest and reports the pack as existing (no failed run, no alarm)", async () => {
    const o = observe();
    const archive = new FlakyArchive();
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      await new Promise((resolve) => setImmediate(resolve));
    };
    const outcomes = await Promise.all([
      archiveWeek(archive, { ...input('evt-1', o.ledger), sleep }),
      archiveWeek(archive, { ...input('evt-1', o.ledger), sleep }),
    ]);
    expect(outcomes.map((x) => x.weekly.status).sort()).toEqual(['exists', 'written']);
    expect(outcomes.map((x) => x.weekly.version)).toEqual([1, 1]);
    expect(outcomes[0]!.weekly.manifest).toEqual(outcomes[1]!.weekly.manifest);
    expect((await listPacks(archive)).map((p) => [p.manifest.period, p.versions])).toEqual([['2026-W47', [1]]]);
    expectRuns(o, 'archive', ['succeeded', 'succeeded']);
    expectFailedMetrics(o, []);
  });

  it('when the other run never finishes its pack, the loser gives up after the wait: failed with VERSION_TAKEN (the metric), and the next run writes version 2', async () => {
    const o = observe();
    const archive = new FlakyArchive();
    // Another run put the version's first file, then stopped (no manifest). This run listed the
    // period before that file appeared, so it also aims at version 1.
    const list = archive.list.bind(archive);
    let listed = false;
    archive.list = async (prefix: string) => {
      const keys = await list(prefix);
      if (!listed && prefix.includes('2026-W47')) {
        listed = true;
        archive.objects.set(`${prefix}report.html`, new Uint8Array([1])); // version 1 lives at the period prefix itself
      }
      return keys;
    };
    const sleeps: number[] = [];
    const run = archiveWeek(archive, {
      ...input('evt-1', o.ledger),
      waitForOtherRunMs: 6_000,
      sleep: async (ms) => void sleeps.push(ms),
    });
    await expect(run).rejects.toMatchObject({ code: 'VERSION_TAKEN' });
    expect(sleeps).toEqual([2_000, 2_000, 2_000]);
    const failed = o.runs.filter((r) => r.kind === 'archive' && r.status === 'failed');
    expect(failed[0]!.errors[0]).toMatch(/another run is writing version 1 of 2026-W47; nothing was replaced/);
    expectFailedMetrics(o, failed);
    expect((await archiveWeek(archive, input('evt-2', o.ledger))).weekly).toMatchObject({
      status: 'written',
      version: 2,
    });
  });
});
