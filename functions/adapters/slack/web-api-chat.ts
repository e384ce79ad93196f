// Slack through the official Web API client (@slack/web-api): chat.postMessage for every post (a
// reply in a thread with thread_ts), chat.update to show an alert's status on what was posted,
// users.lookupByEmail then conversations.open for an owner's direct message. The bot token needs
// the scopes chat:write, users:read.email and im:write (docs/alerts.md, "Channels").
//
// Retries are this adapter's, not the client's: the client is told to reject a `ratelimited`
// answer (rejectRateLimitedCalls) and to retry nothing (retryConfig retries 0), because its own
// retry of a timed-out chat.postMessage could post twice within one run. A 429 is waited out here
// for its Retry-After (at most `maxRateLimitWaits` times, each at most `maxRetryAfterSeconds`);
// then the post is given up as surely not sent. Every failure is a DeliveryError (ports/send-ledger.ts):
//   - an `ok: false` answer (invalid_auth, channel_not_found ...), a 429 to the end, a refused
//     connection: nothing was posted (`notSent`);
//   - a timeout, a reset connection or a 5xx after the request went out: the outcome is unknown.
import { ErrorCode, WebClient, type WebAPICallResult } from '@slack/web-api';
import type { SlackChat, SlackMember, SlackMessage, SlackMessageUpdate } from '../../ports/chat';
import { DeliveryError } from '../../ports/send-ledger';

export const SLACK_API_URL = 'https://slack.com/api/';

export interface SlackWebApiChatOptions {
  token: string;
  /** Slack's Web API base; a test or the demo points it at a loopback fake. */
  apiUrl?: string;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** How many `ratelimited` answers to wait out per call (default 3). */
  maxRateLimitWaits?: number;
  /** A longer Retry-After is not waited for: the post fails as not sent, and the next run posts it (default 60 s). */
  maxRetryAfterSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Errors of a refused connection: the request never reached Slack. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class SlackWebApiChat implements SlackChat {
  private readonly client: WebClient;
  private readonly maxWaits: number;
  private readonly maxRetryAfter: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: SlackWebApiChatOptions) {
    this.client = new WebClient(opts.token, {
      slackApiUrl: opts.apiUrl ?? SLACK_API_URL,
      timeout: opts.timeoutMs ?? 10_000,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      // The client's own logging would go to stdout unstructured; failures are reported by the caller.
      logger: {
        debug() {},
        info() {},
        warn() {},
        error() {},
        setLevel() {},
        getLevel: () => 'error' as never,
        setName() {},
      },
    });
    this.maxWaits = opts.maxRateLimitWaits ?? 3;
    this.maxRetryAfter = opts.maxRetryAfterSeconds ?? 60;
    this.sleep = opts.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  }

  async send(message: SlackMessage): Promise<{ messageId: string }> {
    const result = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: message.channel,
        text: message.text,
        blocks: message.blocks as never,
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    // The channel id and the message's ts identify it (chat.update takes both).
    return { messageId: `${result.channel ?? message.channel}/${result.ts ?? ''}` };
  }

  async update(message: SlackMessageUpdate): Promise<{ messageId: string }> {
    const result = await this.call('chat.update', () =>
      this.client.chat.update({
        channel: message.channel,
        ts: message.ts,
        text: message.text,
        blocks: message.blocks as never,
      }),
    );
    return { messageId: `${result.channel ?? message.channel}/${result.ts ?? message.ts}` };
  }

  async findMember(email: string): Promise<SlackMember | undefined> {
    let userId: string | undefined;
    try {
      const found = await this.call('users.lookupByEmail', () => this.client.users.lookupByEmail({ email }));
      userId = found.user?.id;
    } catch (e) {
      if (
        e instanceof DeliveryError &&
        (e.cause as { data?: { error?: string } } | undefined)?.data?.error === 'users_not_found'
      )
        return undefined;
      throw e;
    }
    if (!userId) return undefined;
    const opened = await this.call('conversations.open', () => this.client.conversations.open({ users: userId }));
    const channel = opened.channel?.id;
    if (!channel) throw new DeliveryError(`Slack conversations.open answered without a channel for ${email}`, true);
    return { userId, directMessageChannel: channel };
  }

  /** One Web API call, rate limits waited out, every failure a DeliveryError. */
  private async call<T extends WebAPICallResult>(method: string, fn: () => Promise<T>): Promise<T> {
    for (let waits = 0; ; waits++) {
      try {
        return await fn();
      } catch (e) {
        const err = e as {
          code?: string;
          retryAfter?: number;
          data?: { error?: string };
          statusCode?: number;
          original?: Error;
        };
        if (err.code === ErrorCode.RateLimitedError) {
          const retryAfter = err.retryAfter ?? 1;
          if (waits < this.maxWaits && retryAfter <= this.maxRetryAfter) {
            await this.sleep(retryAfter * 1000);
            continue;
          }
          throw new DeliveryError(
            `Slack ${method}: rate limited (Retry-After ${retryAfter} s) after ${waits} wait(s)`,
            true,
            { cause: e },
          );
        }
        if (err.code === ErrorCode.PlatformError)
          throw new DeliveryError(`Slack ${method}: ${err.data?.error ?? 'error'}`, true, { cause: e });
        if (err.code === ErrorCode.HTTPError)
          throw new DeliveryError(`Slack ${method}: HTTP ${err.statusCode}`, (err.statusCode ?? 500) < 500, {
            cause: e,
          });
        if (err.code === ErrorCode.RequestError) {
          const code = (err.original as { cause?: { code?: string } } | undefined)?.cause?.code;
          const notConnected = code !== undefined && NOT_CONNECTED.has(code);
          throw new DeliveryError(
            `Slack ${method}: ${notConnected ? `could not connect (${code})` : `no answer (${err.original?.name ?? 'request error'}: ${err.original?.message ?? ''})`}`,
            notConnected,
            { cause: e },
          );
        }
        throw new DeliveryError(`Slack ${method}: ${(e as Error).message}`, false, { cause: e });
      }
    }
  }
}
