// Issue 16's "done when", as a user does it: the alert job (`pulse alerts run`, CRM tasks configured
// against a loopback fake of HubSpot) opens a HubSpot task per alert and e-mails the alerts; the
// snooze link is taken from the e-mail in the outbox (parsed as a mail client would) and opened
// against `pulse alerts serve` like a browser: the GET shows a confirmation page and changes nothing,
// the page's form POSTs. Then `pulse alerts list` shows who snoozed it and until when, the HubSpot
// task's due date moved exactly once (a rerun of the job does not move it again), and tampered links
// (one character, another alert's id, another action) get 403 and change neither the state nor HubSpot.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoData, writeDemoFiles } from '../../functions/adapters/sources/demo';
import { addDays, todayIn } from '../../functions/domain/dates';
import { FakeHubSpotPortal, startFakeHubSpot, type FakeHubSpot } from '../../lib/local/fake-hubspot';
import { configDoc } from '../support/config-doc';
import { runPulse } from '../support/pulse-cli';

const CLI = join(resolve(import.meta.dirname, '../..'), 'bin/pulse-cli.mjs');
const TOKEN = 'pat-na1-pulse';
const ENV = { HUBSPOT_TOKEN: TOKEN };
/** The evaluation date of the generated history; the snooze itself counts from the real today. */
const RUN_DATE = '2026-11-23';
const CCO = 'cco@northwind.example';

interface Claims {
  a: string;
  p: number;
  x: string;
  d: number;
  r: string;
  n: string;
  e: number;
}

/** A link's claims, read the way anyone holding the e-mail could (the payload is signed, not secret). */
const claimsOf = (url: string): Claims =>
  JSON.parse(Buffer.from(url.split('/a/')[1]!.split('.')[0]!, 'base64url').toString('utf8')) as Claims;

/** The same link with its payload re-encoded with changed claims and the original signature. */
function withClaims(url: string, change: Partial<Claims>): string {
  const [base, token] = url.split('/a/') as [string, string];
  const [, signature] = token.split('.') as [string, string];
  const payload = Buffer.from(JSON.stringify({ ...claimsOf(url), ...change }), 'utf8').toString('base64url');
  return `${base}/a/${payload}.${signature}`;
}

/** One character of the signature changed. */
function oneCharChanged(url: string): string {
  const i = url.length - 5;
  return `${url.slice(0, i)}${url[i] === 'A' ? 'B' : 'A'}${url.slice(i + 1)}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** `pulse alerts serve` as a process, until its "listening" line. */
async function serve(cwd: string, config: string, port: number) {
  const child = spawn(process.execPath, [CLI, 'alerts', 'serve', '--port', String(port), '-c', config], {
    cwd,
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((ready, fail) => {
    const timer = setInterval(() => {
      if (out.includes(`Alert action endpoint on http://127.0.0.1:${port}`)) {
        clearInterval(timer);
        ready();
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`pulse alerts serve exited (${code}):\n${out}`));
    });
  });
  return {
    output: () => out,
    /** Ctrl-C, as a person stops it: the local stack saves its data on the way out. */
    stop: async (): Promise<void> => {
      child.kill('SIGINT');
      await exited;
    },
    child,
  };
}

describe('snoozing an alert from its e-mail link, end to end (issue 16)', () => {
  const work = mkdtempSync(join(tmpdir(), 'pulse-snooze-link-'));
  const data = join(work, 'data');
  const config = join(work, 'pulse.config.json');
  let hubspot: FakeHubSpot;
  let portal: FakeHubSpotPortal;
  let server: Awaited<ReturnType<typeof serve>> | undefined;

  beforeAll(async () => {
    await writeDemoFiles(generateDemoData({ endDate: RUN_DATE, accounts: 40, seed: 1 }), data);
    // The CRM knows every account (its pulse_account_id property) and every owner.
    portal = new FakeHubSpotPortal();
    const accounts = parse(readFileSync(join(data, 'accounts.csv'), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    for (const a of accounts) portal.add('companies', { name: a.name!, pulse_account_id: a.account_id! });
    portal.owners = [...new Set(accounts.map((a) => a.owner_email!).filter(Boolean))].map((email, i) => ({
      id: String(201 + i),
      email,
    }));
    hubspot = await startFakeHubSpot(portal, { tokens: [TOKEN] });
    writeFileSync(
      config,
      JSON.stringify(
        configDoc({
          company: { name: 'Northwind', timezone: 'UTC', currency: 'USD' },
          recipients: { ceo: ['ceo@northwind.example'], cco: [CCO] },
          sources: [{ name: 'hubspot', connector: 'hubspot', schedule: 'manual', hubspot: { apiBase: hubspot.url } }],
          notifications: { crmTasks: { system: 'hubspot', source: 'hubspot' } },
        }),
      ),
    );
    const ingest = await runPulse(['ingest', '--data', data, '-c', config], work, ENV, 300_000);
    expect(ingest.code, ingest.stderr).toBe(0);
  }, 400_000);

  afterAll(async () => {
    await server?.stop();
    await hubspot?.close();
  });

  it('the GET confirms, the POST snoozes once, the task moves once, and tampered links change nothing', async () => {
    // ---- the alert job: alerts, their e-mails, one HubSpot task each ----
    const run = await runPulse(['alerts', 'run', '--date', RUN_DATE, '-c', config], work, ENV, 300_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const tasks = [...portal.objects.tasks.values()];
    const taskOf = (alertId: string) =>
      tasks.find((t) => t.properties.hs_task_body?.includes(`Pulse alert ${alertId}`));
    expect(tasks.length).toBeGreaterThan(1);
    expect(hubspot.requests.filter((r) => r.method === 'PATCH')).toEqual([]);

    // ---- the e-mail, parsed from the outbox as a mail client reads it ----
    const outbox = join(work, '.pulse', 'outbox');
    const links: string[] = [];
    for (const file of readdirSync(outbox).filter((f) => f.endsWith('.eml'))) {
      const mail = await simpleParser(readFileSync(join(outbox, file)));
      if (!mail.to || !JSON.stringify(mail.to).includes(CCO)) continue;
      for (const m of String(mail.html).matchAll(/<a\b[^>]*href="([^"]*\/a\/[^"]+)"[^>]*>\s*Snooze \d+ days/g))
        links.push(m[1]!.replace(/&amp;/g, '&'));
    }
    // A critical alert's link, for an alert with a task; another alert with a task for the tampered-id link.
    const criticalIds = JSON.parse((await runPulse(['alerts', 'list', '--json', '-c', config], work, ENV)).stdout)
      .filter((s: { severity: string }) => s.severity === 'critical')
      .map((s: { id: string }) => s.id) as string[];
    const link = links.find((l) => criticalIds.includes(claimsOf(l).a) && taskOf(claimsOf(l).a));
    expect(link, `a snooze link of a critical alert among ${links.length}`).toBeDefined();
    const claims = claimsOf(link!);
    const other = links.map((l) => claimsOf(l).a).find((id) => id !== claims.a && taskOf(id))!;
    expect(other).toBeDefined();
    expect(claims).toMatchObject({ x: 'snooze', d: 7, r: CCO });
    const task = taskOf(claims.a)!;
    const dueBefore = task.properties.hs_timestamp;

    // ---- the endpoint as `pulse alerts serve` runs it (the link's path on the port it serves) ----
    const port = await freePort();
    server = await serve(work, config, port);
    const at = (url: string) => `http://127.0.0.1:${port}/a/${url.split('/a/')[1]}`;
    const patches = () => hubspot.requests.filter((r) => r.method === 'PATCH');

    // A mail scanner or link preview opens the link: a page, nothing changes.
    const page = await fetch(at(link!));
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Snooze this alert?');
    expect(html).toContain(`snoozed by ${CCO} for 7 days`);
    expect(html).toMatch(/<form method="post"><button type="submit">Snooze for 7 days<\/button><\/form>/);
    expect(patches()).toEqual([]);

    // Tampered links: refused on GET and POST, nothing changes.
    const tampered = [
      oneCharChanged(link!),
      withClaims(link!, { a: other }),
      withClaims(link!, { x: 'acknowledge' }),
      withClaims(link!, { d: 90 }),
    ];
    for (const bad of tampered) {
      for (const method of ['GET', 'POST']) {
        const res = await fetch(at(bad), { method, redirect: 'manual' });
        expect([401, 403], `${method} ${bad}`).toContain(res.status);
        expect(await res.text()).toContain('This link does not work');
      }
    }
    expect(patches()).toEqual([]);

    // The button: the form's POST to the same address, as a browser submits it.
    const applied = await fetch(at(link!), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    const until = addDays(todayIn('UTC'), 7);
    expect(applied.status).toBe(200);
    expect(await applied.text()).toContain(`snoozed by ${CCO} until ${until}`);
    // The HubSpot task: its due date moved to the snooze's end (09:00 in the company's zone), once.
    expect(patches().map((r) => r.path)).toEqual([`/crm/v3/objects/tasks/${task.id}`]);
    expect(task.properties.hs_timestamp).toBe(`${until}T09:00:00Z`);
    expect(task.properties.hs_timestamp).not.toBe(dueBefore);
    expect(task.properties.hs_task_body).toContain(
      `Pulse: ${CCO} snoozed the alert until ${until}: snoozed from the alert e-mail`,
    );
    expect(taskOf(other)!.properties.hs_timestamp).not.toBe(`${until}T09:00:00Z`);

    // The same link again: used up.
    const again = await fetch(at(link!), { method: 'POST' });
    expect(again.status).toBe(403);
    expect(await again.text()).toContain('This link was already used');
    expect(patches()).toHaveLength(1);
    // The endpoint's log says what it decided, never the token.
    expect(server.output()).toContain('"outcome":"applied"');
    expect(server.output()).not.toContain(link!.split('/a/')[1]);
    await server.stop();
    server = undefined;

    // ---- what the CCO sees: who snoozed it and until when; the other alert untouched ----
    const list = await runPulse(['alerts', 'list', '-c', config], work, ENV);
    expect(list.code, list.stderr).toBe(0);
    const row = list.stdout.split('\n').find((l) => l.startsWith(`${claims.a} `));
    expect(row).toContain(`open (snoozed to ${until} by ${CCO})`);
    expect(list.stdout.split('\n').find((l) => l.startsWith(`${other} `))).not.toContain('snoozed');
    const history = await runPulse(['alerts', 'list', '--history', claims.a, '-c', config], work, ENV);
    expect(history.stdout).toContain(`snooze until ${until} by ${CCO}`);
    expect(history.stdout.split('\n').filter((l) => l.includes('snoozed from the alert e-mail'))).toHaveLength(1);

    // The next alert run finds the task already moved: HubSpot is not asked again.
    const rerun = await runPulse(['alerts', 'run', '--date', RUN_DATE, '-c', config], work, ENV, 300_000);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(patches()).toHaveLength(1);
    expect(hubspot.requests.filter((r) => r.method === 'POST' && r.path === '/crm/v3/objects/tasks')).toHaveLength(
      tasks.length,
    );
  }, 900_000);
});
