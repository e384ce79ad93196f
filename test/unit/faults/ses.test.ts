// SES throttling and transient 5xx under a recorded weekly-report run (the send-weekly-report use
// case, the real SesMailer, aws-sdk-client-mock in front of SES; the send ledger in memory):
// throttling is retried with jittered backoff, a bounded number of times, and a send that surely
// did not go out is released for the next run; a 5xx is an unknown outcome (SES may have sent it),
// so it is never retried by Pulse nor by the SDK, and the recipient stays claimed: never a second
// copy without --resend. Every failed run is in the ledger and published as Pulse/RunsFailed.
// (The mailer alone: test/unit/report/ses-mailer.test.ts; the use case: send-weekly-report.test.ts.)
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SES_CLIENT_CONFIG, SesMailer } from '../../../functions/adapters/ses/ses-mailer';
import { sendWeeklyReport } from '../../../functions/app/send-weekly-report';
import { demoDataset } from '../report/demo-dataset';
import { MemorySendLedger, MemoryStore } from '../report/fakes';
import { ASOF, NOW, plainRenderer, RECIPIENTS, settings } from './report-world';
import { expectFailedMetrics, expectRuns, observe, randoms, recordingSleep, type Observed } from './observe';

const MAX_ATTEMPTS = 4;
const BASE_MS = 100;

const dataset = demoDataset();

const throttled = () =>
  Object.assign(new Error('Maximum sending rate exceeded.'), {
    name: 'TooManyRequestsException',
    $metadata: { httpStatusCode: 429 },
  });
const serverError = () =>
  Object.assign(new Error('Service is unavailable. Please try again later.'), {
    name: 'InternalFailure',
    $fault: 'server',
    $metadata: { httpStatusCode: 500 },
  });

describe('the weekly report under SES faults', () => {
  const mockSes = () => mockClient(SESv2Client);
  let ses: ReturnType<typeof mockSes>;
  beforeAll(() => {
    ses = mockSes();
  });
  afterAll(() => ses.restore());
  let o: Observed;
  let sendLedger: MemorySendLedger;
  let sleep: ReturnType<typeof recordingSleep>;
  /** Messages SES accepted (what recipients got). */
  let delivered: string[][];

  beforeEach(() => {
    ses.reset();
    o = observe();
    o.memory.ingested('crm', '2026-11-23T11:00:00Z');
    sendLedger = new MemorySendLedger();
    sleep = recordingSleep();
    delivered = [];
  });
  afterEach(() => ses.reset());

  /** SES answers each SendEmail with the next of `answers` (an error to throw, or 'ok'); 'ok' once they run out. */
  const sesAnswers = (...answers: (Error | 'ok')[]) => {
    ses.on(SendEmailCommand).callsFake((input: { Destination?: { ToAddresses?: string[] } }) => {
      const a = answers.shift() ?? 'ok';
      if (a !== 'ok') throw a;
      delivered.push(input.Destination?.ToAddresses ?? []);
      return { MessageId: `ses-${delivered.length}` };
    });
  };

  const run = (opts: { resend?: boolean } = {}) =>
    sendWeeklyReport(
      {
        store: new MemoryStore(dataset),
        runLedger: o.ledger,
        sendLedger,
        mailer: new SesMailer({
          client: new SESv2Client({ region: 'us-east-1' }),
          maxAttempts: MAX_ATTEMPTS,
          baseDelayMs: BASE_MS,
          maxDelayMs: 10_000,
          sleep: sleep.sleep,
          random: randoms(0.37, 0.81, 0.52),
        }),
        renderer: plainRenderer,
        now: () => NOW,
      },
      settings,
      { asOf: ASOF, dataset, trigger: 'schedule', ...(opts.resend ? { resend: true } : {}) },
    );

  it('throttled twice: retried after jittered, growing delays; one message, the run succeeds, no failure metric', async () => {
    sesAnswers(throttled(), throttled());
    const r = await run();
    expect(r.status === 'sent' && r.sends.sent.map((s) => s.recipient)).toEqual(RECIPIENTS);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
    expect(sleep.delays).toEqual([Math.floor(0.37 * BASE_MS), Math.floor(0.81 * 2 * BASE_MS)]); // full jitter: random * min(cap, base * 2^n)
    expect(delivered).toEqual([RECIPIENTS]);
    const [ok] = expectRuns(o, 'report', ['succeeded']);
    expect(ok!.counts).toMatchObject({ sent: 2, failed: 0 });
    expectFailedMetrics(o, []);
  });

  it('throttled on every attempt: gives up after a bounded number of attempts, releases the claims, records the failure and the metric; the next run sends once', async () => {
    sesAnswers(...Array.from({ length: MAX_ATTEMPTS }, throttled));
    const r = await run();
    expect(r.status === 'sent' && r.sends.failed.map((f) => [f.recipient, f.released])).toEqual(
      RECIPIENTS.map((rc) => [rc, true]),
    );
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(MAX_ATTEMPTS);
    expect(sleep.delays).toEqual([
      Math.floor(0.37 * BASE_MS),
      Math.floor(0.81 * 2 * BASE_MS),
      Math.floor(0.52 * 4 * BASE_MS),
    ]);
    expect(delivered).toEqual([]);
    const [failed] = expectRuns(o, 'report', ['failed']);
    expect(failed!.errors).toEqual(
      RECIPIENTS.map((rc) => `${rc}: MailError: SES throttled the send ${MAX_ATTEMPTS} times; giving up`),
    );
    expectFailedMetrics(o, [failed!]);

    // SES recovers (Lambda's own retry of the invocation, or the next schedule): sent once.
    const again = await run();
    expect(again.status === 'sent' && again.sends.sent).toHaveLength(2);
    expect(delivered).toEqual([RECIPIENTS]);
    expectRuns(o, 'report', ['failed', 'succeeded']);
    expectFailedMetrics(o, [failed!]);
  });

  it('a transient 5xx: one attempt (SES may have sent it), the recipients stay claimed, the run fails with "outcome unknown" and the metric; reruns never send a second copy; --resend sends exactly one', async () => {
    sesAnswers(serverError());
    const r = await run();
    expect(r.status === 'sent' && r.sends.failed.map((f) => f.released)).toEqual([false, false]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(sleep.delays).toEqual([]);
    const [failed] = expectRuns(o, 'report', ['failed']);
    expect(failed!.errors[0]).toBe(
      'ceo@northwind.example: MailError: the send may or may not have gone out (InternalFailure: Service is unavailable. Please try again later.) (outcome unknown: left claimed)',
    );
    expectFailedMetrics(o, [failed!]);

    for (let i = 0; i < 2; i++) {
      const rerun = await run();
      expect(rerun.status === 'sent' && rerun.sends.inFlight.map((s) => s.recipient)).toEqual(RECIPIENTS);
    }
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1); // nothing more was even attempted
    const [, ...reruns] = expectRuns(o, 'report', ['failed', 'succeeded', 'succeeded']);
    for (const rr of reruns)
      expect(rr.errors[0]).toMatch(/ceo@northwind.example: claimed at .* not sent again \(use --resend\)/);

    // The operator checked SES (the first message did not go out) and resends on purpose: once.
    const resend = await run({ resend: true });
    expect(resend.status === 'sent' && resend.sends.sent).toHaveLength(2);
    expect(delivered).toEqual([RECIPIENTS]);
    expectFailedMetrics(o, [failed!]);
  });
});

describe('the SES client of the Lambda runtime', () => {
  it('does not retry a 5xx itself (a retry by the SDK could deliver a second copy)', async () => {
    // A real client with a stub HTTP handler: every request is counted and answered 500.
    let requests = 0;
    const requestHandler = {
      handle: async () => {
        requests++;
        return {
          response: {
            statusCode: 500,
            headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' },
            body: Readable.from([Buffer.from(JSON.stringify({ message: 'internal failure' }))]),
          },
        };
      },
    };
    const client = (config: object) =>
      new SESv2Client({
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        requestHandler,
        ...config,
      });
    const message = { from: settings.from, to: RECIPIENTS, subject: 's', html: '<p>x</p>', text: 'x', images: [] };
    await expect(new SesMailer({ client: client(SES_CLIENT_CONFIG) }).send(message)).rejects.toMatchObject({
      code: 'UNKNOWN_OUTCOME',
      notSent: false,
    });
    expect(requests).toBe(1);
    // What the SDK's default would have done: send the same message three times.
    requests = 0;
    await new SesMailer({ client: client({}) }).send(message).catch(() => undefined);
    expect(requests).toBe(3);
  });
});
