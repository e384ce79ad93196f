// The Mailer port on Amazon SES (API v2): the message is composed as raw MIME (mime.ts) and sent
// with SendEmail Content.Raw, so inline images travel by Content-ID. At most 50 recipients per
// message (SES's limit). Throttling is retried with exponential backoff and full jitter; any other
// error is not retried here, because SES may have accepted a message whose answer was lost, and
// sending it again would be a duplicate (the use case decides: see docs/report.md).
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import {
  MailError,
  MAX_RECIPIENTS_PER_MESSAGE,
  type Mailer,
  type OutgoingMessage,
  type SentMessage,
} from '../../ports/mailer';
import { fullJitterDelay, realSleep } from '../../backoff';
import { composeMime } from './mime';

const THROTTLING = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'LimitExceededException',
  'SendingPausedException',
]);
const NOT_RETRIED_LIMITS = new Set(['LimitExceededException', 'SendingPausedException']);

/** SES answered "slow down" (the message was not accepted). */
export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  if (!e || typeof e !== 'object') return false;
  if (e.name && THROTTLING.has(e.name) && !NOT_RETRIED_LIMITS.has(e.name)) return true;
  return e.$metadata?.httpStatusCode === 429 || e.$retryable?.throttling === true;
}

function isDefiniteRejection(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The configuration for the SESv2Client behind a SesMailer: no retries inside the SDK. The mailer
 * retries throttling itself (nothing was accepted); the SDK's default would also retry a 5xx or a
 * timeout, after which SES may already have accepted the message: a second copy. Those are
 * UNKNOWN_OUTCOME here, left claimed, and resolved by the operator (docs/report.md).
 */
export const SES_CLIENT_CONFIG = { maxAttempts: 1 } as const;

export interface SesMailerOptions {
  client: SESv2Client;
  /** SES configuration set (bounces and complaints). */
  configurationSetName?: string;
  /** Attempts for a throttled send, the first included. Default 6. */
  maxAttempts?: number;
  /** Backoff (functions/backoff.ts): full jitter over min(cap, base * 2^retry). Defaults 200 ms and 10 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export class SesMailer implements Mailer {
  private readonly client: SESv2Client;
  private readonly opts: Required<Omit<SesMailerOptions, 'client' | 'configurationSetName'>> & {
    configurationSetName?: string;
  };

  constructor(options: SesMailerOptions) {
    this.client = options.client;
    this.opts = {
      maxAttempts: options.maxAttempts ?? 6,
      baseDelayMs: options.baseDelayMs ?? 200,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      sleep: options.sleep ?? realSleep,
      random: options.random ?? Math.random,
      ...(options.configurationSetName ? { configurationSetName: options.configurationSetName } : {}),
    };
  }

  async send(message: OutgoingMessage): Promise<SentMessage> {
    if (message.to.length > MAX_RECIPIENTS_PER_MESSAGE) {
      throw new MailError(
        'INVALID_MESSAGE',
        `a message may have at most ${MAX_RECIPIENTS_PER_MESSAGE} recipients (got ${message.to.length})`,
      );
    }
    let raw: Buffer;
    try {
      raw = await composeMime(message);
    } catch (err) {
      throw new MailError('INVALID_MESSAGE', `the message could not be composed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const { maxAttempts, baseDelayMs, maxDelayMs, sleep, random } = this.opts;
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.client.send(
          new SendEmailCommand({
            FromEmailAddress: message.from,
            Destination: { ToAddresses: message.to },
            ...(message.replyTo ? { ReplyToAddresses: [message.replyTo] } : {}),
            Content: { Raw: { Data: raw } },
            ...(this.opts.configurationSetName ? { ConfigurationSetName: this.opts.configurationSetName } : {}),
          }),
        );
        if (!out.MessageId) throw new MailError('UNKNOWN_OUTCOME', 'SES answered without a MessageId');
        return { messageId: out.MessageId, raw };
      } catch (err) {
        if (err instanceof MailError) throw err;
        if (isThrottling(err)) {
          if (attempt >= maxAttempts)
            throw new MailError('THROTTLED', `SES throttled the send ${attempt} times; giving up`, {
              cause: err,
              attempts: attempt,
            });
          await sleep(fullJitterDelay(attempt - 1, { baseMs: baseDelayMs, maxMs: maxDelayMs, random }));
          continue;
        }
        const detail = `${(err as Error).name}: ${(err as Error).message}`;
        if (isDefiniteRejection(err))
          throw new MailError('REJECTED', `SES refused the message (${detail})`, { cause: err, attempts: attempt });
        throw new MailError('UNKNOWN_OUTCOME', `the send may or may not have gone out (${detail})`, {
          cause: err,
          attempts: attempt,
        });
      }
    }
  }
}
