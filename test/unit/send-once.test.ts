// The one send-once helper (functions/app/send-once.ts) with the in-memory send ledger: a claimed
// key is delivered and marked, a sent one is not delivered again, a crash after the delivery and
// an unknown outcome follow the policy (hold: never again by itself; resend: again, and a stale
// claim is taken over), concurrent runs deliver once, and channels keep separate claims.
import { describe, expect, it } from 'vitest';
import { InMemorySendLedger } from '../../functions/adapters/memory/alerts';
import { sendOnce, type UnknownOutcomePolicy } from '../../functions/app/send-once';
import { MailError } from '../../functions/ports/mailer';
import { DeliveryError, type DeliveryChannel, type SendKey } from '../../functions/ports/send-ledger';

interface Post {
  to: string[];
  text: string;
}

/** A channel that records what it delivered; `fail` throws on the next deliveries. */
class RecordingChannel implements DeliveryChannel<Post> {
  readonly delivered: Post[] = [];
  fail: unknown[] = [];
  async send(message: Post) {
    const f = this.fail.shift();
    if (f) throw f;
    this.delivered.push(message);
    return { messageId: `m-${this.delivered.length}` };
  }
}

const HOLD: UnknownOutcomePolicy = { unknownOutcome: 'hold' };
const RESEND: UnknownOutcomePolicy = { unknownOutcome: 'resend', staleAfterMs: 30 * 60_000 };
const keys: SendKey[] = [
  { kind: 'weekly-report', period: '2026-W47', recipient: 'ceo@northwind.example' },
  { kind: 'weekly-report', period: '2026-W47', recipient: 'CFO@northwind.example' },
];
const compose = (claimed: readonly number[]): Post => ({
  to: claimed.map((i) => keys[i]!.recipient),
  text: 'the week',
});

class Stopped extends Error {}

describe('sendOnce', () => {
  it('delivers one message for the keys it claimed and marks each sent; a second run delivers nothing', async () => {
    const ledger = new InMemorySendLedger();
    const channel = new RecordingChannel();
    const first = await sendOnce({ ledger, channel }, keys, compose, HOLD);
    expect(first.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
    expect(first.delivered).toEqual({
      message: { to: ['ceo@northwind.example', 'CFO@northwind.example'], text: 'the week' },
      messageId: 'm-1',
    });
    const second = await sendOnce({ ledger, channel }, keys, compose, HOLD);
    expect(second.outcomes).toEqual(
      keys.map((key) => ({ key, status: 'already-sent', messageId: 'm-1', sentAt: expect.any(String) })),
    );
    expect(second.delivered).toBeUndefined();
    expect(channel.delivered).toHaveLength(1);
  });

  it('composes the message from the claimed keys only (one already sent is left out)', async () => {
    const ledger = new InMemorySendLedger();
    const channel = new RecordingChannel();
    await sendOnce({ ledger, channel }, [keys[0]!], compose, HOLD);
    const r = await sendOnce({ ledger, channel }, keys, compose, HOLD);
    expect(r.outcomes.map((o) => o.status)).toEqual(['already-sent', 'sent']);
    expect(channel.delivered.at(-1)?.to).toEqual(['CFO@northwind.example']);
  });

  it('releases the claims when the channel says nothing went out, so the next run delivers (either policy)', async () => {
    for (const policy of [HOLD, RESEND]) {
      const ledger = new InMemorySendLedger();
      const channel = new RecordingChannel();
      channel.fail = [new MailError('THROTTLED', 'throttled to the end')];
      const r = await sendOnce({ ledger, channel }, keys, compose, policy);
      expect(r.outcomes.map((o) => o.status === 'failed' && o.released)).toEqual([true, true]);
      const again = await sendOnce({ ledger, channel }, keys, compose, policy);
      expect(again.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
      expect(channel.delivered).toHaveLength(1);
    }
  });

  it('an unknown outcome under "hold" stays claimed: no run delivers it again by itself; force delivers exactly one more', async () => {
    const ledger = new InMemorySendLedger();
    const channel = new RecordingChannel();
    channel.fail = [new DeliveryError('socket hang up after the request was written', false)];
    const r = await sendOnce({ ledger, channel }, keys, compose, HOLD);
    expect(r.outcomes.map((o) => o.status === 'failed' && !o.released)).toEqual([true, true]);
    for (let i = 0; i < 3; i++)
      expect((await sendOnce({ ledger, channel }, keys, compose, HOLD)).outcomes.map((o) => o.status)).toEqual([
        'in-flight',
        'in-flight',
      ]);
    expect(channel.delivered).toHaveLength(0);
    const forced = await sendOnce({ ledger, channel }, keys, compose, HOLD, { force: true });
    expect(forced.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
    expect(channel.delivered).toHaveLength(1);
  });

  it('an unknown outcome under "resend" is released (any error that is not a DeliveryError counts as unknown): the next run delivers again', async () => {
    const ledger = new InMemorySendLedger();
    const channel = new RecordingChannel();
    channel.fail = [new Error('ECONNRESET')];
    const r = await sendOnce({ ledger, channel }, keys, compose, RESEND);
    expect(r.outcomes.map((o) => o.status === 'failed' && o.released)).toEqual([true, true]);
    expect((await sendOnce({ ledger, channel }, keys, compose, RESEND)).outcomes.map((o) => o.status)).toEqual([
      'sent',
      'sent',
    ]);
  });

  it('a crash after the delivery (before the mark): "hold" never delivers again; "resend" takes the stale claim over after staleAfterMs', async () => {
    for (const policy of [HOLD, RESEND]) {
      let now = new Date('2026-11-23T13:00:00Z');
      const ledger = new InMemorySendLedger(() => now);
      const channel = new RecordingChannel();
      const crashing = Object.assign(Object.create(ledger) as InMemorySendLedger, {
        markSent: async () => {
          throw new Stopped('the function was stopped after the delivery');
        },
      });
      await expect(sendOnce({ ledger: crashing, channel }, keys, compose, policy)).rejects.toBeInstanceOf(Stopped);
      expect(channel.delivered).toHaveLength(1);
      now = new Date('2026-11-23T13:10:00Z');
      expect((await sendOnce({ ledger, channel }, keys, compose, policy)).outcomes.map((o) => o.status)).toEqual([
        'in-flight',
        'in-flight',
      ]);
      now = new Date('2026-11-23T13:31:00Z');
      const later = await sendOnce({ ledger, channel }, keys, compose, policy);
      expect(later.outcomes.map((o) => o.status)).toEqual(
        policy.unknownOutcome === 'hold' ? ['in-flight', 'in-flight'] : ['sent', 'sent'],
      );
      expect(channel.delivered).toHaveLength(policy.unknownOutcome === 'hold' ? 1 : 2);
    }
  });

  it('a message that cannot be composed is released and reported, nothing delivered', async () => {
    const ledger = new InMemorySendLedger();
    const channel = new RecordingChannel();
    const r = await sendOnce(
      { ledger, channel },
      keys,
      () => {
        throw new Error('template missing');
      },
      HOLD,
    );
    expect(r.outcomes.map((o) => (o.status === 'failed' ? [o.released, o.error] : o.status))).toEqual([
      [true, 'Error: template missing'],
      [true, 'Error: template missing'],
    ]);
    expect((await sendOnce({ ledger, channel }, keys, compose, HOLD)).outcomes.map((o) => o.status)).toEqual([
      'sent',
      'sent',
    ]);
  });

  it('concurrent runs: each key is delivered by exactly one of them', async () => {
    const ledger = new InMemorySendLedger();
    const channel = new RecordingChannel();
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => sendOnce({ ledger, channel }, keys, compose, RESEND)),
    );
    const sent = runs.flatMap((r) => r.outcomes.filter((o) => o.status === 'sent').map((o) => o.key.recipient));
    expect(sent.sort()).toEqual(['CFO@northwind.example', 'ceo@northwind.example']);
    expect(channel.delivered.flatMap((m) => m.to).sort()).toEqual(['CFO@northwind.example', 'ceo@northwind.example']);
  });

  it('another channel keeps its own claims: the same message and recipient on Slack is a delivery of its own', async () => {
    const ledger = new InMemorySendLedger();
    const email = new RecordingChannel();
    const slack = new RecordingChannel();
    const key: SendKey = { kind: 'alert-critical', period: 'n-1', recipient: 'cco@northwind.example' };
    await sendOnce({ ledger, channel: email }, [key], () => ({ to: [key.recipient], text: 'risk' }), RESEND);
    const onSlack = await sendOnce(
      { ledger, channel: slack },
      [{ ...key, channel: 'slack' }],
      () => ({ to: ['#cs-risks'], text: 'risk' }),
      RESEND,
    );
    expect(onSlack.outcomes.map((o) => o.status)).toEqual(['sent']);
    expect(
      (
        await sendOnce(
          { ledger, channel: slack },
          [{ ...key, channel: 'slack' }],
          () => ({ to: ['#cs-risks'], text: 'risk' }),
          RESEND,
        )
      ).outcomes.map((o) => o.status),
    ).toEqual(['already-sent']);
  });
});
