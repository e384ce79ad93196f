// The local outbox: every message also lands in a folder as `.eml` (the raw MIME, opens in any mail
// client), `.html` (images inlined as data: URIs, opens in a browser) and `.txt`. A decorator of any
// Mailer, wired by the CLI only (never in Lambda).
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Mailer, OutgoingMessage, SentMessage } from '../../ports/mailer';
import { embedInlineImages } from '../../domain/archive/embed';

export interface OutboxFiles {
  eml: string;
  html: string;
  text: string;
}

/** `weekly-report-2026-W47` from the X-Pulse-Kind / X-Pulse-Period headers (or the subject). */
export function outboxName(message: OutgoingMessage): string {
  const h = message.headers ?? {};
  const parts = [h['X-Pulse-Kind'], h['X-Pulse-Period']].filter((p): p is string => Boolean(p));
  const base = parts.length ? parts.join('-') : message.subject;
  const slug = base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
  return slug || 'message';
}

/** HTML with every cid: reference replaced by the image as a data: URI, for a browser. */
export function htmlWithInlineImages(message: OutgoingMessage): string {
  return embedInlineImages(message.html, message.images ?? []);
}

/** Writes the three files; a later message with the same name replaces the earlier one. */
export async function writeOutbox(
  dir: string,
  message: OutgoingMessage,
  raw: Buffer,
  name = outboxName(message),
): Promise<OutboxFiles> {
  const folder = resolve(dir);
  await mkdir(folder, { recursive: true });
  const files = {
    eml: join(folder, `${name}.eml`),
    html: join(folder, `${name}.html`),
    text: join(folder, `${name}.txt`),
  };
  await Promise.all([
    writeFile(files.eml, raw),
    writeFile(files.html, htmlWithInlineImages(message)),
    writeFile(files.text, message.text),
  ]);
  return files;
}

export class OutboxMailer implements Mailer {
  /** Files written by this mailer, newest last. */
  readonly written: OutboxFiles[] = [];

  constructor(
    private readonly inner: Mailer,
    private readonly dir: string,
  ) {}

  async send(message: OutgoingMessage): Promise<SentMessage> {
    const sent = await this.inner.send(message);
    // Several messages of one send (more than 50 recipients) keep their own files.
    const name = outboxName(message);
    const taken = this.written.filter((w) => w.eml.endsWith(`${name}.eml`) || w.eml.includes(`${name}.`)).length;
    this.written.push(await writeOutbox(this.dir, message, sent.raw, taken ? `${name}.${taken + 1}` : name));
    return sent;
  }
}
