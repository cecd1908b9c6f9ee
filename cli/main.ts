// The `plimsoll` command line. Only this module exits the process.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../core/config/load.js';
import { VERSION } from '../core/version.js';
import { alertsCommand } from './commands/alerts.js';
import { analyzeCommand } from './commands/analyze.js';
import { collectCommand } from './commands/collect.js';
import { configCommand } from './commands/config.js';
import { dashboardsCommand } from './commands/dashboards.js';
import { demoCommand } from './commands/demo.js';
import { ingestCommand } from './commands/ingest.js';
import { reportCommand } from './commands/report.js';
import { scanCommand } from './commands/scan.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { CommandFailed, UsageError } from './context.js';

export function buildProgram(): Command {
  return new Command('plimsoll')
    .description(
      'Plimsoll: how much your Kubernetes nodes and workloads can safely carry. Finds memory-pressure ' +
        'node flapping, OOM loops and requests/limits misfit, and writes weekly capacity reports.',
    )
    .version(VERSION)
    .option('-c, --config <file>', 'YAML configuration file (default: $PLIMSOLL_CONFIG)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option(
      '--log-format <format>',
      'json, pretty, or auto (default): pretty on a terminal, json otherwise',
    )
    .showHelpAfterError()
    .addCommand(demoCommand())
    .addCommand(serveCommand())
    .addCommand(collectCommand())
    .addCommand(ingestCommand())
    .addCommand(scanCommand())
    .addCommand(analyzeCommand())
    .addCommand(reportCommand())
    .addCommand(simulateCommand())
    .addCommand(dashboardsCommand())
    .addCommand(alertsCommand())
    .addCommand(configCommand());
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const program = buildProgram();
  // Commands added with addCommand() keep their own exit behaviour: override it on every one.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message; help and --version end 0, every misuse is a usage
      // error (2), as a bad config is, so scripts can tell it from a failed run (1).
      process.exit(error.exitCode === 0 ? 0 : 2);
    }
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`plimsoll: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof CommandFailed) {
      process.stderr.write(`plimsoll: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`plimsoll: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) await main();
