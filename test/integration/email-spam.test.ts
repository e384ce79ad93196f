// Every e-mail Pulse sends, scored by SpamAssassin with its local rules only (`-L`: no network
// tests, as on this machine): each must score under 1 (the default spam threshold is 5). Debian's
// spamassassin is installed by scripts/setup.mjs; without it the test is skipped, saying why.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeMime } from '../../functions/adapters/ses/mime';
import { renderEveryEmail, type RenderedEmail } from '../support/every-email';

const hasSpamAssassin = spawnSync('spamassassin', ['--version'], { stdio: 'ignore' }).status === 0;

interface Score {
  name: string;
  score: number;
  tests: string;
}

/** SpamAssassin's score and the rules that hit, from the X-Spam-Status header it adds (`-t`: test mode). */
function score(name: string, raw: Buffer): Score {
  const run = spawnSync('spamassassin', ['-L', '-t'], { input: raw, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`spamassassin exited ${run.status}: ${run.stderr}`);
  const status = /^X-Spam-Status: [^\n]*(?:\n[ \t][^\n]*)*/m.exec(run.stdout)?.[0].replace(/\s+/g, '');
  const m = status && /score=(-?[\d.]+).*?tests=(.*?)autolearn=/.exec(status);
  if (!m) throw new Error(`no X-Spam-Status in spamassassin's output for ${name}`);
  return { name, score: Number(m[1]), tests: m[2]! };
}

let emails: RenderedEmail[] = [];
beforeAll(async () => {
  if (hasSpamAssassin) emails = await renderEveryEmail();
}, 180_000);

describe.skipIf(!hasSpamAssassin)('SpamAssassin (local rules)', () => {
  it('scores every e-mail under 1', async () => {
    const scores: Score[] = [];
    for (const [i, e] of emails.entries()) {
      const raw = await composeMime(e.message, {
        messageId: `<test-${i}@pulse.northwind.example>`,
        date: new Date('2026-11-23T07:00:00Z'),
      });
      scores.push(score(e.name, raw));
    }
    console.log(scores.map((s) => `${s.name}: ${s.score} (${s.tests})`).join('\n'));
    expect(scores.length).toBeGreaterThanOrEqual(4);
    expect(scores.filter((s) => s.score >= 1)).toEqual([]);
  }, 300_000);

  it('is a live scorer: a message with a spammy body scores high', () => {
    const raw = Buffer.from(
      'From: winner@example.com\r\nTo: you@example.com\r\nSubject: FREE MONEY!!! ACT NOW\r\nDate: Mon, 23 Nov 2026 07:00:00 +0000\r\nMessage-ID: <x@example.com>\r\n\r\n' +
        'Congratulations!!! You have WON $1,000,000 US DOLLARS. Click here to claim your FREE prize now. 100% FREE. No risk. Act now!\r\n',
    );
    expect(score('spam', raw).score).toBeGreaterThanOrEqual(1);
  });
});
