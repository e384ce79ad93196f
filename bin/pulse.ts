// The `pulse` command line: run, preview and inspect Pulse locally or against a deployed stack.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
// Each command's module is imported when that command runs (`(await import('./commands/x')).xCommand`), so that
// `pulse --help` loads commander and nothing else: keep the imports here free of the AWS SDK, vega, exceljs...
import { ARCHIVE_LINK_DAYS } from '../functions/domain/archive/download-page';
import { expectedFailure } from './commands/cli-error';
import { stackOption, targetOption } from './commands/options';

const program = new Command();
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

program
  .name('pulse')
  .version(`pulse ${version}`, '-V, --version', 'print the version of Pulse')
  // Program options only before the command: `archive get --version 2` is the pack's version.
  .enablePositionalOptions()
  .description(
    'Customer-success and revenue reporting: KPIs, the Monday executive report, renewal-risk alerts and the finance archive.',
  )
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Examples:
  $ pulse demo                                  run the whole pipeline on the embedded local stack
  $ pulse validate --data ./exports             list every bad row in a folder of contract files
  $ pulse kpis --data ./exports --as-of 2026-11-23 --json`,
  );

const configOption = () => new Option('-c, --config <file>', 'the Pulse config file').default('pulse.config.json');

program
  .command('validate')
  .description(
    'Check a folder of contract files (accounts.csv, subscriptions.csv, ... or .ndjson) and list every rejected row.',
  )
  .requiredOption('-d, --data <dir>', 'folder of contract files')
  .addOption(configOption())
  .addHelpText('after', '\nExit code 1 when any row is rejected.\n\nExample:\n  $ pulse validate --data ./exports')
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/validate')).validateCommand(opts);
  });

const int = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return Number(v);
};

program
  .command('demo')
  .description('Run the whole pipeline on the embedded local stack with generated demo data (what `npm start` runs).')
  .addOption(configOption())
  .option('--seed <n>', 'seed of the demo data generator', int('--seed'), 42)
  .option('--accounts <n>', 'number of demo accounts', int('--accounts'), 300)
  .option('--today <date>', "the demo's today (default: today in the company's time zone)")
  .option('--serve', 'keep the local stack (SES viewer, S3, DynamoDB) up until Ctrl-C')
  .option(
    '--slack-fake',
    "post the alerts, the digest and the Monday headline to a loopback fake of Slack's Web API (messages in .pulse/slack/messages.json)",
  )
  .option(
    '--crm-fake <system>',
    'hubspot or salesforce: open a CRM task per alert in a loopback fake of that CRM, seeded with the demo accounts (records in .pulse/crm/<system>.json)',
  )
  .addHelpText(
    'after',
    '\nExamples:\n  $ pulse demo\n  $ pulse demo --serve\n  $ pulse demo --slack-fake\n  $ pulse demo --crm-fake hubspot\n  $ pulse demo --accounts 1000 --seed 7',
  )
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/demo')).demoCommand(opts);
  });

program
  .command('ingest')
  .description('Load a folder of contract files into the store (the embedded local stack), idempotently.')
  .requiredOption('-d, --data <dir>', 'folder of contract files')
  .addOption(configOption())
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nLoading the same folder twice leaves the same items.\n\nExamples:\n  $ pulse ingest --data ./exports\n  $ pulse ingest --data ./exports --target aws --stack Pulse-prod',
  )
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/ingest')).ingestCommand(opts);
  });

program
  .command('kpis')
  .description("Compute the week's KPIs from a folder of contract files, or show a stored weekly snapshot.")
  .option('-d, --data <dir>', 'folder of contract files (no servers needed)')
  .option('--as-of <date>', 'report the last complete week ending on or before this date')
  .option('--week <label>', 'show the stored snapshot of an ISO week from the local stack, e.g. 2026-W46')
  .option('--segment <name>', 'only the accounts of one segment')
  .option('--json', 'print the KPI document as JSON')
  .option('--strict', 'exit 1 when any input row is rejected')
  .addOption(configOption())
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nRejected rows are listed on stderr; the KPIs use the valid rows.\n\nExamples:\n  $ pulse kpis --data ./exports --as-of 2026-11-23\n  $ pulse kpis --data ./exports --as-of 2026-11-23 --json --segment Enterprise\n  $ pulse kpis --week 2026-W47',
  )
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/kpis')).kpisCommand(opts);
  });

const forecast = program
  .command('forecast')
  .description(
    'The renewal and ARR forecast (30 and 90 days) with the error its backtest measured, attainment against the targets, and the recent annotations, from a folder of contract files.',
  )
  .option('-d, --data <dir>', "folder of contract files (default: the demo's, .pulse/demo)")
  .option('--as-of <date>', 'forecast from the last complete week ending on or before this date (default: today)')
  .option('--json', 'print the forecast, its error, the calibration, attainment and annotations as JSON')
  .addOption(configOption())
  .addHelpText(
    'after',
    '\nThe forecast is never printed without its measured error.\n\nExamples:\n  $ pulse forecast\n  $ pulse forecast --data ./exports --as-of 2026-11-23 --json\n  $ pulse forecast backtest --data ./exports',
  )
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/forecast')).forecastCommand(opts);
  });

forecast
  .command('backtest')
  .description(
    'Replay the forecast at every past week end with only what was known then, and measure it against the ARR 30 and 90 days later (MAPE, bias, points).',
  )
  .option('-d, --data <dir>', "folder of contract files (default: the demo's, .pulse/demo)")
  .option('--as-of <date>', 'measure up to this date (default: today)')
  .option('--json', 'print the summary and every point as JSON')
  .addOption(configOption())
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/forecast')).backtestCommand(opts);
  });

program
  .command('annotate <date> <text>')
  .description(
    'Add a dated note (a price change, a launch, an outage) that the report draws on its trend charts and the board pack lists.',
  )
  .option('--metric <metric>', 'the trend it explains: arr, customers, nrr, grr, arr_at_risk or nps (default: all)')
  .option('-d, --data <dir>', 'append to DIR/annotations.csv instead of the store')
  .addOption(configOption())
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nThe same date, metric and text twice is one note.\n\nExamples:\n  $ pulse annotate 2026-11-02 "New price list: 6% uplift on renewals" --metric arr\n  $ pulse annotate 2026-11-16 "Outage in EU region" --data ./exports',
  )
  .action(async (date, text, opts) => {
    process.exitCode = await (await import('./commands/annotate')).annotateCommand(date, text, opts);
  });

program
  .command('report')
  .description(
    'The Monday executive report on the embedded local stack: send it (once per recipient), send it to a test address, or only render it. Every email also lands in .pulse/outbox/.',
  )
  .option('--week <label>', 'the ISO week to report, e.g. 2026-W47 (default: the last complete week)')
  .option('--to <address...>', 'send to these addresses instead of the configured recipients')
  .option('--dry-run', 'render to .pulse/outbox/ (HTML, text, .eml) without claiming or sending')
  .option('--resend', "send again to recipients who already got this week's report")
  .option('--serve', 'keep the local stack (and its SES viewer) up until Ctrl-C')
  .addOption(configOption())
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nExit code 2 when the report is held back (stale or inconsistent data: the operator gets a "report delayed" notice).\nWith --target aws the deployed function does the work (as on its schedule); --to, --dry-run and --serve are local only.\n\nExamples:\n  $ pulse report --week 2026-W47 --dry-run\n  $ pulse report --week 2026-W47 --to me@example.com\n  $ pulse report --week 2026-W47 --resend\n  $ pulse report --week 2026-W47 --target aws --stack Pulse-prod',
  )
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/report')).reportCommand(opts);
  });

const alerts = program
  .command('alerts')
  .description(
    'Renewal-risk alerts: evaluate the rules and send the digests and critical alerts, list and snooze alerts, backtest the rules over history.',
  );

alerts
  .command('run')
  .description(
    'Evaluate the rules on the stored data (embedded local stack), update the alert states, send new critical alerts at once and, on digest days, the CCO and owner digests. Sends each message once.',
  )
  .option('--date <date>', "the evaluation date (default: today in the company's time zone)")
  .option('--digest', 'send the digests even if the date is not a digest day')
  .option('--no-digest', 'send no digest, only the immediate critical alerts')
  .option('--dry-run', 'evaluate and store the states, render the messages, send nothing')
  .option(
    '--crm-fake <system>',
    'hubspot or salesforce: send the CRM tasks to a loopback fake of that CRM (records in .pulse/crm/<system>.json)',
  )
  .addOption(configOption())
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nRunning it again the same day sends nothing new. With --target aws the deployed function does the work.\n\nExamples:\n  $ pulse alerts run\n  $ pulse alerts run --date 2026-11-23 --no-digest\n  $ pulse alerts run --target aws --stack Pulse-prod',
  )
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/alerts')).alertsRunCommand(opts);
  });

alerts
  .command('list')
  .description("List the open (and pending) alerts, or one alert's full history.")
  .option('--all', 'also resolved and never-opened alerts')
  .option('--owner <email>', "only this owner's accounts")
  .option('--history <alertId>', 'every transition of one alert (who, when, why)')
  .option('--json', 'print JSON')
  .addOption(configOption())
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/alerts')).alertsListCommand(opts);
  });

alerts
  .command('snooze <alertId>')
  .description(
    "Silence an alert's reminders until a date, with a reason (or acknowledge it: --ack). An escalation or the resolution still notifies.",
  )
  .requiredOption('--reason <text>', 'why (kept in the alert history)')
  .requiredOption('--by <who>', 'who snoozes it (an email address or a name)')
  .option('--until <date>', 'the expiry (default: alerts.snooze.defaultDays from today)')
  .option('--days <n>', 'the expiry in days from today', int('--days'))
  .option('--ack', 'acknowledge ("someone is on it") rather than snooze')
  .option(
    '--crm-fake <system>',
    'hubspot or salesforce: send the CRM tasks to a loopback fake of that CRM (records in .pulse/crm/<system>.json)',
  )
  .addOption(configOption())
  .addHelpText(
    'after',
    '\nExample:\n  $ pulse alerts snooze red-health-renewal:ACC-0042:REN-00311 --reason "exec call booked" --by cco@northwind.example --days 7',
  )
  .action(async (alertId, opts) => {
    process.exitCode = await (await import('./commands/alerts')).alertsSnoozeCommand(alertId, opts);
  });

alerts
  .command('serve')
  .description(
    "Run the alert action endpoint on loopback (what the function URL does in AWS), until Ctrl-C: the local alert e-mails' snooze and acknowledge links work, each once.",
  )
  .option('--port <n>', 'port to listen on (the local e-mails link to 4511)', int('--port'), 4511)
  .option(
    '--crm-fake <system>',
    'hubspot or salesforce: send the CRM tasks to a loopback fake of that CRM (records in .pulse/crm/<system>.json)',
  )
  .addOption(configOption())
  .addHelpText('after', '\nWith SLACK_SIGNING_SECRET set it also takes Slack button clicks on POST /slack/actions.')
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/alerts')).alertsServeCommand(opts);
  });

alerts
  .command('backtest')
  .description(
    "Replay the rules week by week over a folder of contract files and join each alert to the renewal's later outcome: precision, recall, median lead time and alerts per week, per rule.",
  )
  .requiredOption('-d, --data <dir>', 'folder of contract files with history')
  .requiredOption('--from <date>', 'first date of the replay')
  .requiredOption('--to <date>', 'last date of the replay')
  .option('--out <file>', 'where to write the JSON (default .pulse/backtest/alerts-<from>_<to>.json)')
  .option('--json', 'print the figures as JSON instead of a table')
  .addOption(configOption())
  .addHelpText('after', '\nExample:\n  $ pulse alerts backtest --data .pulse/demo --from 2025-01-01 --to 2026-11-23')
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/alerts')).alertsBacktestCommand(opts);
  });

const sources = program
  .command('sources')
  .description(
    'The configured sources (pulse.config.json "sources"): list them, dry-run one, export what one yields, or sync one now.',
  )
  .addHelpText(
    'after',
    '\nExamples:\n  $ pulse sources list\n  $ pulse sources test demo\n  $ pulse sources sync billing --full\n\nConfiguring sources: docs/sources.md',
  );

sources
  .command('list')
  .description('Every configured source: connector, entities, schedule, where its data comes from.')
  .addOption(configOption())
  .action(async (opts) => {
    process.exitCode = (await import('./commands/sources')).sourcesListCommand(opts);
  });

sources
  .command('test <source>')
  .description(
    'Read, map and validate a source without writing, moving or recording anything (HTTP: first page of each resource).',
  )
  .addOption(configOption())
  .option('--pages <n>', 'HTTP: pages per resource', int('--pages'), 1)
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText('after', '\nExit code 1 when a row is rejected or a file cannot be read.')
  .action(async (name, opts) => {
    process.exitCode = await (await import('./commands/sources')).sourcesTestCommand(name, opts);
  });

sources
  .command('sync <source>')
  .description('Ingest a source now, as the scheduled job does: a recorded run, files moved, rejects report written.')
  .addOption(configOption())
  .option('--full', 'HTTP: forget the high-water marks and fetch everything')
  .addOption(targetOption())
  .addOption(stackOption())
  .action(async (name, opts) => {
    process.exitCode = await (await import('./commands/sources')).sourcesSyncCommand(name, opts);
  });

sources
  .command('export <source>')
  .description(
    'Read, map and validate all of a source and write the contract files it yields (accounts.csv ...): nothing stored, moved or remembered.',
  )
  .requiredOption('--out <dir>', 'folder for the contract files (created if missing)')
  .addOption(configOption())
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nExamples:\n  $ STRIPE_API_KEY=rk_live_... pulse sources export stripe --out ./stripe-check\n  $ pulse kpis --data ./stripe-check\n\nExit code 1 when a row is rejected or the source cannot be read.',
  )
  .action(async (name, opts) => {
    process.exitCode = await (await import('./commands/sources')).sourcesExportCommand(name, opts);
  });

sources
  .command('match')
  .description(
    'One account identity: per source, the records that name no account; the billing accounts not in the CRM, and the reverse.',
  )
  .option('--source <names>', 'only these sources, comma-separated (the billing and CRM sources are read too)')
  .option('--json', 'print the result as JSON')
  .addOption(configOption())
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nExamples:\n  $ pulse sources match\n  $ pulse sources match --source zendesk --json\n\nExit code 1 when a record names no account or an account is in billing but not in the CRM (or the reverse).',
  )
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/sources')).sourcesMatchCommand(opts);
  });

program
  .command('runs')
  .description(
    'The run ledger, newest first: ingest, compute, report, alert and archive runs with their counts, errors and rejects.',
  )
  .option('--last <n>', 'how many runs', int('--last'), 10)
  .addOption(
    new Option('--kind <kind>', 'only runs of one kind').choices(['ingest', 'compute', 'report', 'alerts', 'archive']),
  )
  .option('--json', 'print the runs as JSON')
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText('after', '\nExamples:\n  $ pulse runs\n  $ pulse runs --last 50 --kind ingest')
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/sources')).runsCommand(opts);
  });

const archive = program
  .command('archive')
  .description(
    'The finance archive: weekly and quarter-end packs (report, KPI JSON, CSV/XLSX extracts, manifest) in S3.',
  );

archive
  .command('list')
  .description('Every pack in the archive, newest first, with its headline figures and versions.')
  .option('--json', 'print the packs as JSON')
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText('after', '\nExamples:\n  $ pulse archive list\n  $ pulse archive list --target aws --stack Pulse-prod')
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/archive')).archiveListCommand(opts);
  });

archive
  .command('board-pack')
  .description(
    "A fiscal quarter's board pack as a PDF (headline KPIs, the quarter's bridge, cohorts, renewals, forecast and attainment, segments, annotations), as of the quarter's last day; prints where it went.",
  )
  .requiredOption('--quarter <label>', 'a complete fiscal quarter, as the archive labels it (FY2027-Q3)')
  .option('-o, --out <dir>', 'the folder for board-pack-<quarter>.pdf', '.pulse/board-packs')
  .option('--config <file>', 'the config file (company name, locale, fiscal year)')
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nExamples:\n  $ pulse archive board-pack --quarter FY2027-Q3\n  $ pulse archive board-pack --quarter FY2027-Q2 --out ./board --target aws',
  )
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/archive')).archiveBoardPackCommand(opts);
  });

archive
  .command('get <pack>')
  .description(
    'Download a pack (an ISO week such as 2026-W47, or a fiscal quarter such as FY2027-Q1) and verify every file against its manifest.',
  )
  .option('-o, --out <dir>', 'where to put the pack folder', '.')
  .option('--version <n>', 'a given version instead of the latest', int('--version'))
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nExit code 1 when a file is missing or its SHA-256 differs from the manifest.\n\nExamples:\n  $ pulse archive get 2026-W47 --out ./finance\n  $ pulse archive get FY2027-Q1 --target aws',
  )
  .action(async (pack, opts) => {
    process.exitCode = await (await import('./commands/archive')).archiveGetCommand(pack, opts);
  });

archive
  .command('link <what>')
  .description(
    'Print a durable download link, recorded and revocable: "index", a pack (2026-W47: its report), a file of a pack (2026-W47/accounts.csv) or an archive key. The reader signs in first.',
  )
  .option(
    '--for <address>',
    'bind the link to this recipient (repeat for several); without it, only readers by role open it',
    (v: string, prev: string[] = []) => [...prev, v],
  )
  .option('--days <n>', 'days until the link expires', int('--days'), ARCHIVE_LINK_DAYS)
  .option('--port <n>', 'port of the local download endpoint', int('--port'))
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nExamples:\n  $ pulse archive link 2026-W47/accounts.csv --for auditor@firm.example\n  $ pulse archive link index --target aws',
  )
  .action(async (what, opts) => {
    process.exitCode = await (await import('./commands/archive')).archiveLinkCommand(what, opts);
  });

archive
  .command('links')
  .description('Every recorded archive link, newest first: id, source, recipient, what, expiry, revoked or not.')
  .option('--for <address>', 'only the links of this recipient')
  .option('--json', 'as JSON')
  .addOption(targetOption())
  .addOption(stackOption())
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/archive')).archiveLinksCommand(opts);
  });

archive
  .command('revoke [linkId]')
  .description('Refuse a link from the next click on, or (--for) every link of a recipient.')
  .option('--for <address>', 'revoke every link of this recipient')
  .addOption(targetOption())
  .addOption(stackOption())
  .addHelpText(
    'after',
    '\nExamples:\n  $ pulse archive revoke Xk3v9Qm2LpT0aB7c\n  $ pulse archive revoke --for departed@northwind.example --target aws',
  )
  .action(async (linkId, opts) => {
    process.exitCode = await (await import('./commands/archive')).archiveRevokeCommand(linkId, opts);
  });

archive
  .command('audit')
  .description(
    'Every attempt on an archive link: time, link, recipient, signed-in identity, object, outcome (allowed, sign-in, denied, revoked, expired, invalid), client address.',
  )
  .option('--since <date>', 'from this date (YYYY-MM-DD); default 30 days ago')
  .option('--json', 'as a JSON array of {at, linkId, recipient, identity, key, outcome, ip}')
  .addOption(targetOption())
  .addOption(stackOption())
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/archive')).archiveAuditCommand(opts);
  });

archive
  .command('serve')
  .description(
    'Run the download endpoint on loopback for the local archive (what the function URL does in AWS), until Ctrl-C.',
  )
  .option('--port <n>', 'port to listen on', int('--port'), 4510)
  .option('--days <n>', 'expiry of the printed index link, in days', int('--days'), ARCHIVE_LINK_DAYS)
  .option('--config <file>', 'the config file (archive.access: sign-in by code, an OpenID Connect provider, or link)')
  .addHelpText(
    'after',
    '\nWith archive.access.oidc in the config, register http://127.0.0.1:<port>/auth/callback at the provider and set PULSE_OIDC_CLIENT_SECRET.',
  )
  .action(async (opts) => {
    process.exitCode = await (await import('./commands/archive')).archiveServeCommand(opts);
  });

try {
  await program.parseAsync();
} catch (e) {
  const failure = expectedFailure(e);
  if (!failure) throw e;
  console.error(`pulse: ${failure.message}`);
  process.exitCode = failure.exitCode;
}
