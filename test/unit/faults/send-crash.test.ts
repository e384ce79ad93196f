// A crash of the weekly-report send between claim and send, and between send and mark: the rerun
// sends nothing twice (the claim stays, the recipient is reported in flight), nothing is lost
// silently (the run ledger records the failed run), and a deliberate --resend is the way out.
// Under a recorded report run, the crash is a failed run with its error, published as
// Pulse/RunsFailed; the rerun's run records the recipient left in flight.
// (Throttling and unknown SES outcomes: test/unit/faults/ses.test.ts; duplicate and concurrent
// runs: test/unit/faults/duplicate-runs.test.ts and test/unit/alerts/evaluate-alerts.test.ts.)
import { describe, expect, it } from 'vitest';
import { sendToRecipients, sendWeeklyReport } from '../../../functions/app/send-weekly-report';
import type { SendKey } from '../../../functions/ports/send-ledger';
import { demoDataset } from '../archive/fixtures';
import { MemoryMailer, MemorySendLedger, MemoryStore } from '../report/fakes';
import { expectFailedMetrics, expectRuns, observe } from './observe';
import { ASOF, NOW, plainRenderer, RECIPIENTS as REPORT_RECIPIENTS, settings } from './report-world';

const KEY = { kind: 'weekly-report', period: '2026-W47' };
const MESSAGE = {
  from: 'pulse@northwind.example',
  subject: 'Weekly',
  html: '<p>x</p>',
  text: 'x',
  images: [],
  headers: {},
};
const RECIPIENTS = ['ceo@northwind.example', 'cfo@northwind.example'];

class Crash extends Error {
  override readonly name = 'Crash';
}

/** A send ledger whose `after` step throws once (the process "dies" right there). */
class CrashingLedger extends MemorySendLedger {
  constructor(private crashAt: 'after-claim' | 'before-mark' | undefined) {
    super();
  }
  override async claim(k: SendKey, opts?: { force?: boolean }) {
    const r = await super.claim(k, opts);
    if (this.crashAt === 'after-claim') {
      this.crashAt = undefined;
      throw new Crash('killed after claim');
    }
    return r;
  }
  override async markSent(k: SendKey, messageId: string) {
    if (this.crashAt === 'before-mark') {
      this.crashAt = undefined;
      throw new Crash('killed after send, before mark');
    }
    return super.markSent(k, messageId);
  }
}

describe("a crash inside the report's send-once", () => {
  it('between claim and send: nothing was sent; the rerun leaves the claimed recipient alone and sends the rest once', async () => {
    const ledger = new CrashingLedger('after-claim');
    const mailer = new MemoryMailer();
    await expect(sendToRecipients({ sendLedger: ledger, mailer }, KEY, RECIPIENTS, MESSAGE)).rejects.toThrow(Crash);
    expect(mailer.sent).toHaveLength(0);

    const rerun = await sendToRecipients({ sendLedger: ledger, mailer }, KEY, RECIPIENTS, MESSAGE);
    expect(rerun.inFlight.map((r) => r.recipient)).toEqual(['ceo@northwind.example']);
    expect(rerun.sent.map((r) => r.recipient)).toEqual(['cfo@northwind.example']);
    // A third run sends nothing more.
    const third = await sendToRecipients({ sendLedger: ledger, mailer }, KEY, RECIPIENTS, MESSAGE);
    expect(third.sent).toEqual([]);
    expect(mailer.sent.flatMap((m) => m.to)).toEqual(['cfo@northwind.example']);
    // The stuck recipient is reachable only on purpose (--resend), and then exactly once.
    const resend = await sendToRecipients({ sendLedger: ledger, mailer }, KEY, ['ceo@northwind.example'], MESSAGE, {
      force: true,
    });
    expect(resend.sent.map((r) => r.recipient)).toEqual(['ceo@northwind.example']);
    expect(mailer.sent.flatMap((m) => m.to).sort()).toEqual(['ceo@northwind.example', 'cfo@northwind.example']);
  });

  it('between send and mark: the email went out once; reruns never send it again (in flight, not re-sent)', async () => {
    const ledger = new CrashingLedger('before-mark');
    const mailer = new MemoryMailer();
    await expect(sendToRecipients({ sendLedger: ledger, mailer }, KEY, RECIPIENTS, MESSAGE)).rejects.toThrow(Crash);
    expect(mailer.sent).toHaveLength(1);

    for (let i = 0; i < 3; i++) {
      const rerun = await sendToRecipients({ sendLedger: ledger, mailer }, KEY, RECIPIENTS, MESSAGE);
      expect(rerun.sent).toEqual([]);
      expect(rerun.inFlight.map((r) => r.recipient)).toContain('ceo@northwind.example');
    }
    // Exactly one message ever went out, to both recipients.
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]!.to).toEqual(RECIPIENTS);
  });

  it('control: without a crash every recipient is sent once and marked sent', async () => {
    const ledger = new CrashingLedger(undefined);
    const mailer = new MemoryMailer();
    const ok = await sendToRecipients({ sendLedger: ledger, mailer }, KEY, RECIPIENTS, MESSAGE);
    expect(ok.sent.map((r) => r.recipient)).toEqual(RECIPIENTS);
    expect([...ledger.items.values()].map((v) => v.status)).toEqual(['sent', 'sent']);
  });
});

describe('a crash inside a recorded weekly-report run', () => {
  const data = demoDataset('2026-11-23', 40, 4);
  const world = (crashAt: 'after-claim' | 'before-mark') => {
    const o = observe();
    o.memory.ingested('crm', '2026-11-23T11:00:00Z');
    const deps = {
      store: new MemoryStore(data),
      runLedger: o.ledger,
      sendLedger: new CrashingLedger(crashAt),
      mailer: new MemoryMailer(),
      renderer: plainRenderer,
      now: () => NOW,
    };
    return { o, deps, run: () => sendWeeklyReport(deps, settings, { asOf: ASOF, dataset: data, trigger: 'schedule' }) };
  };

  for (const [crashAt, message, mailed] of [
    ['after-claim', 'Crash: killed after claim', 0],
    ['before-mark', 'Crash: killed after send, before mark', 1],
  ] as const) {
    it(`${crashAt}: the run fails with the crash (the metric); reruns send nothing twice and record the recipient in flight`, async () => {
      const w = world(crashAt);
      await expect(w.run()).rejects.toThrow(Crash);
      expect(w.deps.mailer.sent).toHaveLength(mailed);
      const [failed] = expectRuns(w.o, 'report', ['failed']);
      expect(failed!.errors).toEqual([message]);
      expectFailedMetrics(w.o, [failed!]);

      const rerun = await w.run();
      expect(rerun.status === 'sent' && rerun.sends.inFlight.map((s) => s.recipient)).toContain(REPORT_RECIPIENTS[0]);
      // No recipient ever gets two copies: at most the one message that went out before the crash, or one after.
      const received = w.deps.mailer.sent.flatMap((m) => m.to);
      expect(new Set(received).size).toBe(received.length);
      const [, again] = expectRuns(w.o, 'report', ['failed', 'succeeded']);
      expect(again!.errors).toContainEqual(
        expect.stringMatching(new RegExp(`^${REPORT_RECIPIENTS[0]}: claimed at .* not sent again \\(use --resend\\)`)),
      );
      expectFailedMetrics(w.o, [failed!]);
    });
  }
});
