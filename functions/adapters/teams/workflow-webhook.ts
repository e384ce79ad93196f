// Microsoft Teams through a Workflows ("Post to a channel when a webhook request is received")
// webhook: one POST of a message with one Adaptive Card attachment. The flow answers 202 Accepted
// (with the run's id in x-ms-workflow-run-id); a 429 is waited out for its Retry-After, bounded.
// Every failure is a DeliveryError (ports/send-ledger.ts): a 4xx answer or a refused connection
// surely posted nothing; a timeout or a 5xx leaves the outcome unknown.
import type { TeamsPost } from '../../domain/chat';
import type { TeamsChat } from '../../ports/chat';
import { DeliveryError } from '../../ports/send-ledger';

export interface TeamsWebhookOptions {
  url: string;
  timeoutMs?: number;
  maxRateLimitWaits?: number;
  maxRetryAfterSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The webhook's body: a message with the card as its one attachment. */
export function teamsWebhookBody(post: TeamsPost): unknown {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: post.card }],
  };
}

export class TeamsWorkflowWebhook implements TeamsChat {
  private readonly sleep: (ms: number) => Promise<void>;
  constructor(private readonly opts: TeamsWebhookOptions) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  }

  async send(post: TeamsPost): Promise<{ messageId: string }> {
    const body = JSON.stringify(teamsWebhookBody(post));
    for (let waits = 0; ; waits++) {
      let res: Response;
      try {
        res = await fetch(this.opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
        });
      } catch (e) {
        const code = (e as { cause?: { code?: string } }).cause?.code;
        const notConnected = code !== undefined && NOT_CONNECTED.has(code);
        throw new DeliveryError(
          `Teams webhook: ${notConnected ? `could not connect (${code})` : `no answer (${(e as Error).name}: ${(e as Error).message})`}`,
          notConnected,
          { cause: e },
        );
      }
      const text = await res.text().catch(() => '');
      if (res.status === 429) {
        const retryAfter = Number.parseInt(res.headers.get('retry-after') ?? '1', 10) || 1;
        if (waits < (this.opts.maxRateLimitWaits ?? 3) && retryAfter <= (this.opts.maxRetryAfterSeconds ?? 60)) {
          await this.sleep(retryAfter * 1000);
          continue;
        }
        throw new DeliveryError(
          `Teams webhook: rate limited (Retry-After ${retryAfter} s) after ${waits} wait(s)`,
          true,
        );
      }
      if (res.status >= 200 && res.status < 300)
        return { messageId: res.headers.get('x-ms-workflow-run-id') ?? `teams-${res.status}-${Date.now()}` };
      throw new DeliveryError(`Teams webhook: HTTP ${res.status} ${text.slice(0, 200)}`.trim(), res.status < 500);
    }
  }
}
