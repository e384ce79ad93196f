// The `pulse` command line: run, preview and inspect Pulse locally or against a deployed stack.
import { Command, Option } from 'commander';
import { CliError } from './commands/context';
import { validateCommand } from './commands/validate';

const program = new Command();

program
  .name('pulse')
  .description('Customer-success and revenue reporting: KPIs, the Monday executive report, renewal-risk alerts and the finance archive.')
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
  .description('Check a folder of contract files (accounts.csv, subscriptions.csv, ... or .ndjson) and list every rejected row.')
  .requiredOption('-d, --data <dir>', 'folder of contract files')
  .addOption(configOption())
  .addHelpText('after', '\nExit code 1 when any row is rejected.\n\nExample:\n  $ pulse validate --data ./exports')
  .action(async (opts) => {
    process.exitCode = await validateCommand(opts);
  });

try {
  await program.parseAsync();
} catch (e) {
  if (e instanceof CliError) {
    console.error(`pulse: ${e.message}`);
    process.exitCode = e.exitCode;
  } else {
    throw e;
  }
}
