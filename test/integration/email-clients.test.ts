// Every e-mail Pulse sends, checked against caniemail.com's data (through @jsx-email/doiuse-email):
// no HTML or CSS feature that Gmail (web and apps), Outlook.com or Apple Mail (macOS and iOS)
// does not support. Media queries are the one exception, for Gmail only: the layouts are fluid
// without them (the 375 px test, email-narrow.test.ts, removes every <style> block), and the
// queries only enhance the clients that read them.
import { doIUseEmail } from '@jsx-email/doiuse-email';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderEveryEmail, type RenderedEmail } from '../support/every-email';

const CLIENTS = ['gmail.*', 'outlook.outlook-com', 'apple-mail.*'];

/** `@media` in a Gmail client: allowed, as an enhancement (see above). */
const mediaQueryInGmail = (error: string) => /^`@media` is not supported by `gmail\./.test(error);

let emails: RenderedEmail[] = [];
beforeAll(async () => {
  emails = await renderEveryEmail();
}, 180_000);

describe('every e-mail against caniemail', () => {
  it('checks every kind of message', () => {
    expect(new Set(emails.map((e) => e.name.split(' to ')[0]))).toEqual(
      new Set(['weekly report', 'report delayed', 'critical alert', 'digest']),
    );
  });

  it('uses nothing Gmail, Outlook.com or Apple Mail does not support (media queries in Gmail aside)', () => {
    const found = emails.flatMap((e) => {
      const result = doIUseEmail(e.html, { emailClients: CLIENTS }) as { errors?: string[] };
      return [...new Set(result.errors ?? [])]
        .filter((error) => !mediaQueryInGmail(error))
        .map((error) => `${e.name}: ${error}`);
    });
    expect(found).toEqual([]);
  });

  it('would catch a feature those clients lack (the checker is live)', () => {
    const result = doIUseEmail('<html><body><div style="display: none; opacity: 0.5">x</div></body></html>', {
      emailClients: CLIENTS,
    }) as { errors?: string[] };
    expect(result.errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^`display:none` is not supported by `gmail\./)]),
    );
  });
});
