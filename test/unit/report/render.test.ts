// The rendered email parsed back from its raw MIME: parts, inline images by Content-ID, subject,
// and escaping of hostile account names.
import { simpleParser, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWeeklyReportRenderer, TemplateError } from '../../../functions/adapters/render/weekly-report';
import { composeMime, displayNameFor } from '../../../functions/adapters/ses/mime';
import type { Dataset } from '../../../functions/domain/contract/validate';
import { DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import {
  buildWeeklyReportView,
  computeWeeklyReportData,
  weeklyReportInput,
  type WeeklyReportView,
} from '../../../functions/domain/report';
import type { RenderedEmail, ReportRenderer } from '../../../functions/ports/report-renderer';
import { demoDataset } from './demo-dataset';

const HOSTILE = [
  '<script>alert(1)</script>',
  '{{constructor}}',
  'Evil\r\nBcc: attacker@evil.example',
  '"><img src=x onerror=alert(2)>',
  '{{#each this}}x{{/each}} & Sons',
];

/** The demo dataset with the five largest accounts renamed to hostile strings (they show up as risks and movers). */
function hostileDataset(): Dataset {
  const base = demoDataset();
  const arr = new Map<string, number>();
  for (const s of base.subscriptions)
    if (s.kind === 'recurring') arr.set(s.accountId, (arr.get(s.accountId) ?? 0) + s.arr);
  const accounts = base.accounts.map((a) => ({ ...a }));
  // Rename every account so whatever appears in risks and movers is hostile.
  accounts.forEach((a, i) => (a.name = `${HOSTILE[i % HOSTILE.length]} ${i}`));
  return { ...base, accounts };
}

let renderer: ReportRenderer;
let view: WeeklyReportView;
let email: RenderedEmail;
let parsed: ParsedMail;
let raw: Buffer;

beforeAll(async () => {
  renderer = await createWeeklyReportRenderer();
  const data = hostileDataset();
  const computed = computeWeeklyReportData(data, DEFAULT_KPI_SETTINGS, '2026-11-22');
  view = buildWeeklyReportView(
    weeklyReportInput(computed, {
      companyName: 'Acme\r\nBcc: leak@evil.example <b>',
      locale: 'en-US',
      subjectTemplate: '{{company}} weekly {{week}}',
      archive: { label: 's3://pulse-archive/weekly/2026-W47/', url: null },
    }),
  );
  email = await renderer.renderWeeklyReport(view);
  raw = await composeMime({
    from: 'pulse@northwind.example',
    to: ['ceo@northwind.example'],
    subject: email.subject,
    html: email.html,
    text: email.text,
    images: email.images,
    headers: { 'X-Pulse-Kind': 'weekly-report' },
  });
  parsed = await simpleParser(raw, { keepCidLinks: true });
}, 60_000);

describe('the weekly report email, parsed back from raw MIME', () => {
  it('is multipart/alternative with a text part and a related HTML part with the images', () => {
    const head = raw.toString('utf8', 0, raw.indexOf('\r\n\r\n'));
    expect(head).toMatch(/Content-Type: multipart\/alternative/);
    expect(raw.toString()).toMatch(/Content-Type: multipart\/related; type="text\/html"/);
    expect(parsed.text).toContain('HEADLINES');
    expect(parsed.html).toContain('Weekly executive report');
    expect(parsed.attachments).toHaveLength(3);
    for (const a of parsed.attachments) {
      expect(a.contentType).toBe('image/png');
      expect(a.contentDisposition).toBe('inline');
      expect(a.related).toBe(true);
      expect(a.content.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    }
  });

  it('has an inline image for every cid the HTML references, each with alt text and size', () => {
    const html = parsed.html as string;
    const cids = [...html.matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]);
    expect(cids).toHaveLength(3);
    for (const cid of cids) expect(parsed.attachments.some((a) => a.cid === cid)).toBe(true);
    for (const tag of html.match(/<img [^>]*>/g) ?? []) {
      expect(tag).toMatch(/alt="[^"]{20,}"/);
      expect(tag).toMatch(/width="\d+"/);
      expect(tag).toMatch(/height="\d+"/);
    }
  });

  it('names sender and recipient (no bare addresses) and says it is automated', () => {
    const head = raw.toString('utf8', 0, raw.indexOf('\r\n\r\n'));
    expect(parsed.from?.value).toEqual([{ name: 'Pulse', address: 'pulse@northwind.example' }]);
    expect((parsed.to as { value: unknown[] }).value).toEqual([{ name: 'CEO', address: 'ceo@northwind.example' }]);
    expect(head).toMatch(/^From: Pulse <pulse@northwind\.example>$/m);
    expect(head).toMatch(/^To: CEO <ceo@northwind\.example>$/m);
    expect(head).toMatch(/^Auto-Submitted: auto-generated$/m);
    expect(parsed.headers.get('x-pulse-kind')).toBe('weekly-report');
  });

  it('prints the same figures in the charts as in the text (three significant digits, the net change to 0.01%)', () => {
    const waterfall = email.images.find((i) => /bridge/i.test(i.alt))!;
    const compact = (cents: number) =>
      new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency: 'USD',
        notation: 'compact',
        maximumSignificantDigits: 3,
      }).format(cents / 100);
    const closing = view.headline.find((h) => h.id === 'closingArr')!;
    expect(waterfall.alt).toContain(`closing ARR ${compact(closing.value!)}`);
    expect(email.text).toContain(compact(closing.value!));
    // The opening ARR as the text's money format prints it (three significant digits), not with a fourth.
    const opening = /opening ARR \$([\d.]+)[KM]?,/.exec(waterfall.alt)![1]!;
    expect(opening.replace('.', '').replace(/^0+/, '').length).toBeLessThanOrEqual(3);
  });

  it('derives display names from addresses', () => {
    expect(
      [
        'priya.raman@northwind.example',
        'cco@northwind.example',
        'pulse@northwind.example',
        'tom_becker+ops@x.example',
        '1234@x.example',
      ].map(displayNameFor),
    ).toEqual(['Priya Raman', 'CCO', 'Pulse', 'Tom Becker', '']);
  });

  it('keeps the subject on one line, whatever the company name holds', () => {
    expect(parsed.subject).toBe('Acme Bcc: leak@evil.example <b> weekly 2026-W47');
    expect(parsed.headers.has('bcc')).toBe(false);
    const head = raw.toString('utf8', 0, raw.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^Bcc:/im);
    expect(parsed.text).not.toMatch(/^Bcc:/m);
  });

  it('escapes hostile account names in the HTML and prints them verbatim in the text', () => {
    const html = parsed.html as string;
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('{{constructor}}');
    expect(html).not.toMatch(/\[object Object\]|function Object|undefined|NaN/);
    expect(parsed.text).toContain('<script>alert(1)</script>');
    expect(parsed.text).toContain('{{constructor}}');
    expect(parsed.text).not.toMatch(/&lt;|&amp;|undefined|NaN/);
  });

  it('has inlined CSS, a preheader and no external resources or scripts', () => {
    const html = email.html;
    expect(html).toMatch(/<td[^>]+style="[^"]*padding/);
    expect(html).toContain(view.meta.preheader.replace(/&/g, '&amp;').slice(0, 20));
    expect(html).not.toMatch(/<link |<script|src="http|@import/i);
    // Dark mode overrides survive inlining.
    expect(html).toMatch(/@media \(prefers-color-scheme: dark\)/);
  });

  it('fails the render when a field is missing (strict mode) instead of printing blank', async () => {
    const broken = { ...view, voice: { ...view.voice } } as Partial<WeeklyReportView['voice']> & object;
    delete (broken as { voice: Partial<WeeklyReportView['voice']> }).voice.csatResponses;
    await expect(renderer.renderWeeklyReport(broken as unknown as WeeklyReportView)).rejects.toThrow(TemplateError);
  });

  it('renders the "report delayed" notice with the problems escaped', async () => {
    const notice = await renderer.renderDelayedNotice({
      companyName: 'Acme',
      week: '2026-W47',
      asOf: '2026-11-22',
      problems: ['Source "<crm>" has not been ingested'],
      nextStep: 'Run it.',
    });
    expect(notice.subject).toBe('Pulse: weekly report delayed for Acme, week 2026-W47');
    expect(notice.html).toContain('&lt;crm&gt;');
    expect(notice.text).toContain('Source "<crm>" has not been ingested');
  });
});
