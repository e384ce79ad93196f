// The SES v2 mailer: raw MIME out, throttling retried with backoff, other errors classified.
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { SesMailer } from '../../../functions/adapters/ses/ses-mailer';
import { MailError } from '../../../functions/ports/mailer';
import type { OutgoingMessage } from '../../../functions/ports/mailer';

const ses = mockClient(SESv2Client);
afterEach(() => ses.reset());

const message: OutgoingMessage = {
  from: 'pulse@northwind.example',
  to: ['ceo@northwind.example'],
  replyTo: 'revops@northwind.example',
  subject: 'Weekly',
  html: '<p>Hi <img src="cid:chart@pulse" alt="chart"></p>',
  text: 'Hi',
  images: [
    { cid: 'chart@pulse', filename: 'chart.png', contentType: 'image/png', content: Buffer.from('PNG'), alt: 'chart' },
  ],
};

const throttled = () =>
  Object.assign(new Error('Maximum sending rate exceeded.'), {
    name: 'TooManyRequestsException',
    $metadata: { httpStatusCode: 429 },
  });

function mailer(delays: number[] = []) {
  return new SesMailer({
    client: new SESv2Client({ region: 'us-east-1' }),
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    random: () => 0.5,
    sleep: async (ms) => void delays.push(ms),
  });
}

describe('SesMailer', () => {
  it('sends raw MIME (Content.Raw) that parses back with the inline image', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'abc' });
    const sent = await mailer().send(message);
    expect(sent.messageId).toBe('abc');
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.Destination?.ToAddresses).toEqual(['ceo@northwind.example']);
    expect(input.Content?.Simple).toBeUndefined();
    const parsed = await simpleParser(Buffer.from(input.Content!.Raw!.Data!));
    expect(parsed.subject).toBe('Weekly');
    expect(parsed.attachments[0]!.cid).toBe('chart@pulse');
    expect(Buffer.from(input.Content!.Raw!.Data!).equals(sent.raw)).toBe(true);
  });

  it('retries throttling with exponential backoff and jitter, then succeeds', async () => {
    ses.on(SendEmailCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ MessageId: 'ok' });
    const delays: number[] = [];
    await expect(mailer(delays).send(message)).resolves.toMatchObject({ messageId: 'ok' });
    expect(delays).toEqual([50, 100]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
  });

  it('gives up after maxAttempts with THROTTLED (nothing was sent)', async () => {
    ses.on(SendEmailCommand).rejects(throttled());
    const err = await mailer()
      .send(message)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailError);
    expect(err).toMatchObject({ code: 'THROTTLED', attempts: 4, notSent: true });
  });

  it('does not retry a rejection, and says an unknown outcome is unknown', async () => {
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('Email address is not verified.'), {
        name: 'MessageRejected',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(mailer().send(message)).rejects.toMatchObject({ code: 'REJECTED', notSent: true });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    ses.reset();
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    await expect(mailer().send(message)).rejects.toMatchObject({ code: 'UNKNOWN_OUTCOME', notSent: false });
  });

  it('refuses more than 50 recipients and a cid without its image', async () => {
    const to = Array.from({ length: 51 }, (_, i) => `r${i}@northwind.example`);
    await expect(mailer().send({ ...message, to })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(mailer().send({ ...message, images: [] })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});
