// `plimsoll report` as the CLI wires it (global --config and --log-level), without exiting the
// test process on an error.
import { Command } from 'commander';
import { reportCommand } from '../../cli/commands/report.js';

export function reportProgram(): Command {
  const program = new Command('plimsoll')
    .option('-c, --config <file>')
    .option('--log-level <level>')
    .exitOverride()
    .addCommand(reportCommand().exitOverride());
  program.configureOutput({ writeErr: () => undefined });
  return program;
}
