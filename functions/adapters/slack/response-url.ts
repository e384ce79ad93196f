// The answer to a Slack button click: a POST of the updated message to the interaction's
// response_url (https://hooks.slack.com/actions/...). Only hosts the endpoint was told to trust
// get a request: the URL comes from the request body, so anything else is refused unsent.
import { DeliveryError } from '../../ports/send-ledger';
import type { SlackReply, SlackResponder } from '../../ports/alert-actions';

export const SLACK_RESPONSE_HOSTS: readonly string[] = ['hooks.slack.com'];

export class FetchSlackResponder implements SlackResponder {
  constructor(
    private readonly opts: { allowedOrigins?: readonly string[]; fetch?: typeof fetch; timeoutMs?: number } = {},
  ) {}

  async send(reply: SlackReply): Promise<{ messageId: string }> {
    let url: URL;
    try {
      url = new URL(reply.responseUrl);
    } catch {
      throw new DeliveryError('the response_url is not a URL', true);
    }
    const trusted = url.protocol === 'https:' && SLACK_RESPONSE_HOSTS.includes(url.hostname);
    if (!trusted && !(this.opts.allowedOrigins ?? []).includes(url.origin))
      throw new DeliveryError(`response_url host ${url.host} is not Slack's`, true);
    const body = {
      ...(reply.replaceOriginal ? { replace_original: true } : { replace_original: false, response_type: 'ephemeral' }),
      text: reply.text,
      ...(reply.blocks ? { blocks: reply.blocks } : {}),
    };
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 2000),
      });
    } catch (e) {
      throw new DeliveryError(`posting to the response_url failed: ${(e as Error).message}`, false, { cause: e });
    }
    const text = await res.text().catch(() => '');
    if (!res.ok)
      throw new DeliveryError(`the response_url answered ${res.status}: ${text.slice(0, 200)}`, res.status < 500);
    return { messageId: `response_url:${res.status}` };
  }
}
