// Raw MIME for an OutgoingMessage, built by nodemailer's MailComposer:
//   multipart/alternative
//     text/plain
//     multipart/related
//       text/html           (references the images as cid:<id>)
//       image/png ...       (Content-Disposition: inline, Content-ID: <id>)
// Headers are encoded by MailComposer (RFC 2047 for non-ASCII); CR and LF are removed from every
// header value first, so no data can start a header of its own. From and To carry display names
// (derived from the address), and every message says it is automated (Auto-Submitted).
import MailComposer from 'nodemailer/lib/mail-composer';
import type { OutgoingMessage } from '../../ports/mailer';

export class MimeError extends Error {
  override readonly name = 'MimeError';
  readonly code = 'MIME_INVALID';
}

/** One header line: CR, LF and other control characters become spaces. */
export function headerValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

const ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/;

function address(a: string, what: string): string {
  const v = a.trim();
  if (!ADDRESS.test(v)) throw new MimeError(`${what} "${a}" is not a plain email address`);
  return v;
}

/**
 * A display name for an address without one, from its local part: `priya.raman` -> `Priya Raman`,
 * `cco` -> `CCO`, `pulse` -> `Pulse`. Mail with bare addresses in From and To scores as spam.
 */
export function displayNameFor(address: string): string {
  const local = address.slice(0, address.lastIndexOf('@')).replace(/\+.*$/, '');
  const words = local.split(/[._-]+/).filter((w) => /^[A-Za-z][A-Za-z0-9]*$/.test(w));
  if (words.length === 0) return '';
  if (words.length === 1 && words[0]!.length <= 3) return words[0]!.toUpperCase();
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join(' ');
}

function named(a: string, what: string): { name: string; address: string } | string {
  const v = address(a, what);
  const name = displayNameFor(v);
  return name ? { name, address: v } : v;
}

/**
 * Every message Pulse sends is automated: `Auto-Submitted: auto-generated` (RFC 3834) keeps
 * vacation responders and auto-forwarders quiet, and Outlook's out-of-office replies with it.
 */
export const AUTOMATED_HEADERS: Readonly<Record<string, string>> = {
  'Auto-Submitted': 'auto-generated',
  'X-Auto-Response-Suppress': 'All',
};

/** Builds the raw RFC 5322 message. Every `cid:` in the HTML must have its image, and vice versa. */
export async function composeMime(
  message: OutgoingMessage,
  opts: { messageId?: string; date?: Date } = {},
): Promise<Buffer> {
  if (message.to.length === 0) throw new MimeError('a message needs at least one recipient');
  const images = message.images ?? [];
  const referenced = new Set([...message.html.matchAll(/cid:([^"'\s)>]+)/g)].map((m) => m[1] as string));
  for (const cid of referenced)
    if (!images.some((i) => i.cid === cid))
      throw new MimeError(`the HTML references cid:${cid} but no image has that Content-ID`);
  const headers: Record<string, string> = { ...AUTOMATED_HEADERS };
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    if (!/^X-[A-Za-z0-9-]+$/.test(k))
      throw new MimeError(`header name "${k}" must be an X- header of letters, digits and dashes`);
    headers[k] = headerValue(v);
  }
  const composer = new MailComposer({
    from: named(message.from, 'from'),
    to: message.to.map((t) => named(t, 'to')),
    ...(message.replyTo ? { replyTo: address(message.replyTo, 'replyTo') } : {}),
    subject: headerValue(message.subject),
    text: message.text,
    html: message.html,
    headers,
    attachments: images.map((i) => ({
      cid: i.cid,
      filename: i.filename,
      contentType: i.contentType,
      content: i.content,
      contentDisposition: 'inline' as const,
    })),
    ...(opts.messageId ? { messageId: opts.messageId } : {}),
    ...(opts.date ? { date: opts.date } : {}),
    textEncoding: 'quoted-printable',
  });
  return new Promise<Buffer>((resolve, reject) => {
    composer.compile().build((err, raw) => (err ? reject(err) : resolve(raw)));
  });
}
