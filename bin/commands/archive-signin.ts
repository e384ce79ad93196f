// The demo's proof that an archive link works as its recipient would use it: the link alone shows
// a sign-in page (no bytes), a one-time code goes to the recipient (read back from the local
// outbox), the code signs in (a session cookie), and then the link redirects to the file, whose
// SHA-256 must equal the manifest's.
import { readFile } from 'node:fs/promises';
import { sha256Hex } from '../../functions/domain/archive';
import type { OutboxMailer } from '../../functions/adapters/ses/outbox';

export type OutboxSignIn = { ok: true; codeFile: string } | { ok: false; problem: string };

const hiddenValue = (html: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]?.replace(/&amp;/g, '&');

function sessionCookie(res: Response): string | undefined {
  const set = res.headers.getSetCookie?.() ?? [];
  return set.map((c) => c.split(';')[0]!).find((c) => c.startsWith('pulse_session='));
}

export async function signInWithOutboxCode(
  link: string,
  o: { outbox: OutboxMailer; expectSha256: string },
): Promise<OutboxSignIn> {
  const origin = new URL(link).origin;
  const first = await fetch(link, { redirect: 'manual' });
  const page = await first.text();
  if (first.status !== 200 || first.headers.get('location') || !page.includes('action="/auth/code"'))
    return { ok: false, problem: `the link answered HTTP ${first.status} without asking to sign in` };
  const token = hiddenValue(page, 't');
  if (!token) return { ok: false, problem: 'the sign-in page carries no link' };
  const before = o.outbox.written.length;
  const sent = await fetch(`${origin}/auth/code`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: token }).toString(),
  });
  const entry = await sent.text();
  const challenge = hiddenValue(entry, 'c');
  if (sent.status !== 200 || !challenge)
    return { ok: false, problem: `asking for a code answered HTTP ${sent.status}` };
  const mail = o.outbox.written[before];
  if (!mail) return { ok: false, problem: 'no code reached the outbox' };
  const code = /\b(\d{6})\b/.exec(await readFile(mail.text, 'utf8'))?.[1];
  if (!code) return { ok: false, problem: `the code e-mail (${mail.text}) has no code` };
  const verified = await fetch(`${origin}/auth/code/verify`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: token, c: challenge, code }).toString(),
  });
  await verified.text();
  const cookie = sessionCookie(verified);
  if (!cookie) return { ok: false, problem: `the code did not sign in (HTTP ${verified.status})` };
  const res = await fetch(link, { redirect: 'manual', headers: { Cookie: cookie } });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location)
    return { ok: false, problem: `after sign-in the link answered HTTP ${res.status}` };
  const body = new Uint8Array(await (await fetch(location)).arrayBuffer());
  if (sha256Hex(body) !== o.expectSha256) return { ok: false, problem: 'the file does not match the manifest' };
  return { ok: true, codeFile: mail.text };
}
