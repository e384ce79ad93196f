// Raw MIME for an OutgoingMessage, built by nodemailer's MailComposer:
//   multipart/alternative
//     text/plain
//     multipart/related
//       text/html           (references the images as cid:<id>)
//       image/png ...       (Content-Disposition: inline, Content-ID: <id>)
// Headers are encoded by MailComposer (RFC 2047 for non-ASCII); CR and LF are removed from every
// header value first, so no data can start a header of its own.
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

/** Builds the raw RFC 5322 message. Every `cid:` in the HTML must have its image, and vice versa. */
export async function composeMime(message: OutgoingMessage, opts: { messageId?: string; date?: Date } = {}): Promise<Buffer> {
  if (message.to.length === 0) throw new MimeError('a message needs at least one recipient');
  const images = message.images ?? [];
  const referenced = new Set([...message.html.matchAll(/cid:([^"'\s)>]+)/g)].map((m) => m[1] as string));
  for (const cid of referenced) if (!images.some((i) => i.cid === cid)) throw new MimeError(`the HTML references cid:${cid} but no image has that Content-ID`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    if (!/^X-[A-Za-z0-9-]+$/.test(k)) throw new MimeError(`header name "${k}" must be an X- header of letters, digits and dashes`);
    headers[k] = headerValue(v);
  }
  const composer = new MailComposer({
    from: address(message.from, 'from'),
    to: message.to.map((t) => address(t, 'to')),
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
