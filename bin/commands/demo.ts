// `pulse demo` (what `npm start` runs): the whole pipeline on the embedded local stack with a
// generated, always-current company history.
import { localTarget } from './target';
import { basename, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dropFiles } from '../../functions/adapters/s3/dropzone-source';
import { runIngestJob } from '../../functions/app/ingest-job';
import type { SourceDefinition } from '../../functions/domain/sources/registry';
import { ingestJobDeps, printJobResult, sourcesWiring } from './sources';
import { generateDemoData, writeDemoFiles } from '../../functions/adapters/sources/demo';
import { computeWeek } from '../../functions/app/compute-week';
import { weekStartsOnNumber } from '../../functions/config';
import { unknownAccounts, type Dataset } from '../../functions/domain/contract/validate';
import { addDays, todayIn, type IsoDate } from '../../functions/domain/dates';
import { kpiSettingsFrom, resolveAsOf, toKpiJson, type KpiSettings } from '../../functions/domain/kpi';
import { formatLoadCounts, loadConfig, printRejects } from './context';
import { archiveDemoWeek, proveDemoArchiveLink } from './archive';
import { formatKpiTable } from './kpi-table';
import { LOCAL_DATA_DIR, openLocalStack, type LocalSession } from './local';
import { printRunResult, runAlertsOn } from './alerts';
import { createProgress } from './progress';
import { OUTBOX_DIR } from './local-mail';
import { runReportLocally } from './report';
import { chatChannelsFrom } from '../../functions/adapters/chat-channels';
import { announceWeeklyReport } from '../../functions/app/chat-notify';
import type { WeeklyReportView } from '../../functions/domain/report/view-model';
import type { ChatChannels } from '../../functions/ports/chat';
import type { PulseConfig } from '../../functions/config';
import { localMailAdapters } from './local-mail';
import { DEFAULT_ACTION_PORT, startLocalActionServer } from './alert-action-server';
import { writeFile, mkdir } from 'node:fs/promises';
import { startFakeSlack, tallySlack, type FakeSlack, type FakeSlackPost } from '../../lib/local/fake-slack';
import { crmFakeSystem, startCrmFake, type CrmFake } from './crm-fake';
import { CSMS } from '../../functions/adapters/sources/demo/catalog';
import { readFile } from 'node:fs/promises';

export interface DemoOptions {
  config?: string;
  seed: number;
  accounts: number;
  /** The demo's "today" (default: today in the company's time zone). */
  today?: string;
  serve?: boolean;
  /** Post to a loopback fake of Slack's Web API (started here) so the Slack messages can be seen. */
  slackFake?: boolean;
  /** Open the alerts' CRM tasks in a loopback fake of this CRM (`hubspot`, `salesforce`), seeded with the demo accounts. */
  crmFake?: string;
}

const step = (msg: string) => console.log(`\n== ${msg}`);

/** The demo source when the config has none named "demo": every entity, contract file names. */
const DEMO_SOURCE: SourceDefinition = {
  name: 'demo',
  connector: 's3-dropzone',
  entities: ['accounts', 'subscriptions', 'renewals', 'expansions', 'usage', 'tickets', 'nps', 'spend'],
  mapping: {},
  schedule: 'manual',
  onUpload: true,
  files: {},
};

export async function demoCommand(opts: DemoOptions): Promise<number> {
  const loaded = loadConfig(opts.config);
  const slackFake = opts.slackFake ? await startFakeSlack(await demoSlackWorkspace()) : undefined;
  try {
    return await runDemo(opts, slackFake ? withSlackFake(loaded, slackFake) : loaded, slackFake);
  } finally {
    await slackFake?.close();
  }
}

/** Where the Slack fake keeps its messages between two demo runs (as Slack keeps them). */
const SLACK_MESSAGES_FILE = resolve(LOCAL_DATA_DIR, 'slack', 'messages.json');

/**
 * The fake's workspace: the demo's account owners are members (so they get their direct messages),
 * and the messages of earlier runs are there, so a rerun can update them and shows what is new.
 */
async function demoSlackWorkspace(): Promise<{
  members: { id: string; email: string; name: string }[];
  messages: FakeSlackPost[];
}> {
  const members = CSMS.map((email, i) => ({
    id: `U0OWNER${String(i + 1).padStart(3, '0')}`,
    email,
    name: email.split('@')[0]!,
  }));
  const earlier = await readFile(SLACK_MESSAGES_FILE, 'utf8').catch(() => '[]');
  return { members, messages: JSON.parse(earlier) as FakeSlackPost[] };
}

/**
 * The config with Slack pointed at the loopback fake (the configured channels kept, else
 * #cs-renewal-risk and #exec), and the fake's token in the token's environment variable.
 */
function withSlackFake(config: PulseConfig, fake: FakeSlack): PulseConfig {
  const slack = {
    channel: '#cs-renewal-risk',
    directMessageOwners: true,
    weeklyReportChannel: '#exec',
    tokenEnv: 'SLACK_BOT_TOKEN',
    ...config.notifications.slack,
    apiUrl: fake.apiUrl,
  };
  process.env[slack.tokenEnv] = fake.token;
  return { ...config, notifications: { ...config.notifications, slack } };
}

async function runDemo(opts: DemoOptions, config: PulseConfig, slackFake: FakeSlack | undefined): Promise<number> {
  const settings = kpiSettingsFrom(config);
  const today = opts.today ?? todayIn(config.company.timezone);
  const asOf = resolveAsOf(today, settings.weekStartsOn);

  step('Starting the embedded local stack (DynamoDB Local, S3, SES)');
  const crmSystem = crmFakeSystem(opts.crmFake);
  let crm: CrmFake | undefined;
  const session = await openLocalStack((m) => console.log(`   ${m}`));
  try {
    step(`Generating demo data: ${opts.accounts} accounts, two years up to ${today} (seed ${opts.seed})`);
    const data = generateDemoData({
      seed: opts.seed,
      accounts: opts.accounts,
      endDate: today,
      weekStartsOn: weekStartsOnNumber(config),
      withBadRows: true,
      fiscalYearStartMonth: settings.fiscalYearStartMonth,
    });
    const demoDir = resolve(LOCAL_DATA_DIR, 'demo');
    await rm(demoDir, { recursive: true, force: true });
    const files = await writeDemoFiles(data, demoDir);
    const totalRows = files.reduce((n, f) => n + f.rows, 0);
    console.log(`   ${files.length} files, ${totalRows} rows in ${demoDir}`);

    step('Dropping the files into the S3 drop-zone and ingesting them into DynamoDB');
    const { dropzoneBucket } = session.stack.resources;
    const keys = await dropFiles(
      session.s3,
      dropzoneBucket,
      'incoming/demo/',
      files.map((f) => ({ path: f.file, name: basename(f.file) })),
    );
    await ingestDemoFiles(session, config, keys, totalRows);

    step(`Computing KPIs for the week ending ${asOf} and the 13 weeks before it`);
    const dataset = await session.store.loadDataset();
    for (const [entity, ids] of unknownAccounts(dataset))
      console.log(`   warning: ${entity} reference ${ids.length} unknown account(s)`);
    const computed = await computeDemoWeeks(session, settings, asOf, dataset);

    step('This week');
    console.log(formatKpiTable(toKpiJson(computed.company), config.company.locale).replace(/^/gm, '   '));

    step('Forecast with its backtest error, and attainment against the plan (targets.csv)');
    const { planAndForecast } = await import('../../functions/app/forecast');
    const { formatForecast } = await import('./forecast');
    console.log(
      formatForecast(planAndForecast(dataset, settings, asOf), config.company.locale, { renewals: false }).replace(
        /^/gm,
        '   ',
      ),
    );

    step(`Sending the Monday executive report for ${computed.week} (once per recipient)`);
    const report = await runReportLocally(session, config, {
      asOf,
      trigger: 'demo',
      dataset,
      log: (l) => console.log(`   ${l}`),
    });

    step(`Archiving ${computed.week} for finance: report as sent, extracts, workbook, manifest (write-once S3)`);
    const archived = await archiveDemoWeek(session, config, {
      asOf,
      dataset,
      report,
      log: (l) => console.log(`   ${l}`),
    });
    if (archived.linkCheck) await proveDemoArchiveLink(config, archived.linkCheck, (l) => console.log(`   ${l}`));

    const headlineBefore = slackFake?.posts.length ?? 0;
    const chat =
      config.notifications.slack || config.notifications.teams
        ? await chatChannelsFrom(config.notifications)
        : undefined;
    if (chat && report.result.status === 'sent') {
      step(`Posting the Monday headline for ${computed.week} to the chat channels (once per week)`);
      await postDemoHeadline(session, chat, report.result.view);
    }

    step(
      'Renewal-risk alerts: evaluating the rules, sending critical alerts and the digests (each once; a first run sends the CCO one summary instead)',
    );
    const slackEditsBefore = slackFake?.edits.length ?? 0;
    // With --crm-fake, every open alert gets its task in the fake CRM (its accounts are the demo's).
    crm = crmSystem ? await startCrmFake(crmSystem, dataset.accounts) : undefined;
    const alertConfig = crm ? crm.configure(config) : config;
    const alertRun = await runAlertsOn(session, alertConfig, { today, digest: true, by: 'pulse demo', dataset });
    printRunResult(alertRun, (l) => console.log(`   ${l}`));
    if (slackFake) {
      // This run's posts (the headline's too), by kind; the file keeps the whole fake workspace.
      const t = tallySlack(
        slackFake.posts.slice(headlineBefore),
        slackFake.edits.slice(slackEditsBefore),
        config.notifications.slack?.weeklyReportChannel,
      );
      const total = slackFake.posts.length - headlineBefore + slackFake.edits.length - slackEditsBefore;
      console.log(
        total
          ? `   Slack (fake): posted ${t.threadReplies} critical alert(s) in the summary's thread, ${t.channelCriticals} at the channel's top level, ${t.directMessages} owner direct message(s), ${t.digests} digest/summary, ${t.headlines} headline; ${t.updates} message(s) updated`
          : `   Slack (fake): nothing new posted or updated (${slackFake.posts.length} message(s) from earlier runs)`,
      );
    }

    step('Where to look');
    const email = report.files[report.files.length - 1];
    if (email) console.log(`   the email             ${email.html} (open in a browser; .eml and .txt beside it)`);
    else {
      // Already sent by an earlier run: point at that run's copy when it is there.
      const earlier = resolve(OUTBOX_DIR, `weekly-report-${computed.week.toLowerCase()}.html`);
      console.log(
        `   the email             ${existsSync(earlier) ? earlier : resolve(OUTBOX_DIR)} (sent by an earlier run; not sent again)`,
      );
    }
    console.log(
      `   send it again         npx pulse report --week ${computed.week} --resend   (or --dry-run to only render)`,
    );
    console.log(`   risk alerts           npx pulse alerts list   (history: --history <alert id>)`);
    if (crm)
      console.log(
        `   CRM tasks (fake)      ${crm.file} (${crm.tasks().length} ${crm.system} task(s), one per alert; a snooze link moves its task)`,
      );
    if (slackFake) {
      const file = SLACK_MESSAGES_FILE;
      await mkdir(resolve(LOCAL_DATA_DIR, 'slack'), { recursive: true });
      await writeFile(file, JSON.stringify(slackFake.posts, null, 2));
      console.log(
        `   Slack (fake)          ${file} (${slackFake.posts.length} message(s) in the fake workspace, ${slackFake.posts.length - headlineBefore} new in this run; a rerun posts nothing new)`,
      );
      if (opts.serve) console.log(`   Slack viewer          ${slackFake.url}/ (this session's messages)`);
    }
    console.log(
      `   forecast, backtest    npx pulse forecast   (every open renewal's probability), npx pulse forecast backtest`,
    );
    console.log(
      `   alert backtest        npx pulse alerts backtest --data ${demoDir} --from ${addDays(today, -364)} --to ${today}`,
    );
    console.log(`   input files           ${demoDir}`);
    console.log(`   local data            ${resolve(LOCAL_DATA_DIR)} (DynamoDB and S3; kept between runs)`);
    console.log(`   this week's KPIs      npx pulse kpis --week ${computed.week} [--json]`);
    console.log(
      `   straight from files   npx pulse kpis --data ${join(LOCAL_DATA_DIR, 'demo')} --as-of ${today} --json`,
    );
    if (!opts.serve)
      console.log(
        '   SES viewer            run `npx pulse demo --serve` (the local SES keeps messages only while the stack runs)',
      );
    if (!opts.serve)
      console.log(
        `   snooze from e-mail    npx pulse alerts serve${crm ? ` --crm-fake ${crm.system}` : ''}   (the alert e-mails' snooze and acknowledge links work while it runs)`,
      );
    if (opts.serve) {
      console.log(`   SES viewer            ${session.stack.endpoints.sesViewer} (this session's emails)`);
      console.log(
        `   S3 endpoint           ${session.stack.endpoints.s3} (buckets: ${Object.values(session.stack.resources).slice(1).join(', ')})`,
      );
      // The alert e-mails' snooze and acknowledge links point here (pulse alerts serve, in this process).
      const actionMail = localMailAdapters(session);
      const actions = await startLocalActionServer(alertConfig, actionMail, session.stack.resources.tableName);
      const moved =
        actions.port !== DEFAULT_ACTION_PORT
          ? ` (port ${DEFAULT_ACTION_PORT} was taken: the e-mails' links will not reach it)`
          : '';
      console.log(`   alert actions         ${actions.url} (the alert e-mails' snooze and acknowledge links)${moved}`);
      console.log('\nThe local stack stays up until you press Ctrl-C.');
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
      await actions.close();
      actionMail.close();
    }
    await archived.close();
    return 0;
  } finally {
    await crm?.close();
    await session.close();
  }
}

/**
 * The ingest job on the dropped files, as the drop-zone's upload event starts it in AWS.
 * @demoStep the ingest job (functions/handlers/ingest.ts)
 */
async function ingestDemoFiles(
  session: LocalSession,
  config: PulseConfig,
  keys: string[],
  totalRows: number,
): Promise<void> {
  const { dropzoneBucket } = session.stack.resources;
  // The connector path, not a shortcut: the configured "demo" source (or its defaults) reads the
  // dropped objects, moves them to processed/<runId>/, writes the rejects report, and records
  // the run in the ledger (so the report's freshness check sees it).
  const demoConfig = config.sources.some((s) => s.name === 'demo')
    ? config
    : { ...config, sources: [...config.sources, DEMO_SOURCE] };
  const progress = createProgress('ingest', totalRows);
  const started = Date.now();
  const target = localTarget(session);
  const wiring = sourcesWiring(target);
  const job = await runIngestJob(ingestJobDeps(target, config, wiring), demoConfig, {
    uploads: keys,
    trigger: 'demo',
    // The embedded S3 sends no events: parts of a large file are ingested here.
    parts: 'inline',
    onProgress: (n) => progress.update(n),
  }).finally(() => wiring.close());
  progress.stop();
  const result = job.ingested[0];
  if (job.failures.length || job.ingested.length !== 1 || !result) {
    printJobResult(job, '   ');
    if (job.failures.length) throw job.failures[0];
  } else {
    const { summary, written } = result;
    console.log(formatLoadCounts(summary, { header: 'written', values: written }).replace(/^/gm, '   '));
    console.log(
      `   ${Object.values(written).reduce((a, b) => a + b, 0)} records written in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(
      `   run ${result.runId} (${result.status}); files moved to s3://${dropzoneBucket}/processed/${result.runId}/`,
    );
    if (summary.rejects.length) {
      console.log(
        `\n   ${summary.rejects.length} rejected row problem(s), each with file:line  field  reason (the good rows loaded):`,
      );
      printRejects(summary.rejects, (s) => console.log(`   ${s}`), 20);
      if (result.rejectsLocation)
        console.log(
          `   rejects report: ${result.rejectsLocation}  (local files under ${resolve(LOCAL_DATA_DIR, 's3')})`,
        );
    }
  }
  console.log('   runs so far: npx pulse runs');
}

/**
 * The week ending asOf and the 13 before it, computed and stored.
 * @demoStep the compute job (functions/handlers/compute-week.ts)
 */
async function computeDemoWeeks(session: LocalSession, settings: KpiSettings, asOf: IsoDate, dataset: Dataset) {
  const computed = await computeWeek(session.store, settings, {
    asOf,
    history: 13,
    computedAt: new Date().toISOString(),
    dataset,
    runLedger: session.runLedger,
    trigger: 'demo',
  });
  console.log(
    `   ${computed.snapshotsWritten.length} weekly snapshots stored (${computed.snapshotsWritten[0]} .. ${computed.week}), company-wide and for ${computed.segments.size} segments`,
  );
  return computed;
}

/**
 * The Monday headline on the chat channels (once per week), after the report went out.
 * @demoStep the Monday job's headline (functions/handlers/weekly-report.ts)
 */
async function postDemoHeadline(session: LocalSession, chat: ChatChannels, view: WeeklyReportView): Promise<void> {
  const mail = localMailAdapters(session);
  const posted = await announceWeeklyReport(
    { ledger: mail.ledger, chat, runLedger: session.runLedger },
    view,
    'demo',
  ).finally(() => mail.close());
  for (const p of posted)
    console.log(
      `   ${p.key.channel} ${p.key.recipient}: ${p.status === 'already-sent' ? 'already posted by an earlier run' : p.status}${p.error ? ` (${p.error})` : ''}`,
    );
}
