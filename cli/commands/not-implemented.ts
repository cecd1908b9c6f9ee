// Commands whose issue has not landed yet say so and exit 2; they never pretend to work.
import { Command } from 'commander';
import { UsageError } from '../context.js';

export function notImplementedCommand(name: string, description: string, issue: number): Command {
  return new Command(name)
    .description(`${description} (not yet implemented: issue #${issue})`)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UsageError(`plimsoll ${name} is not yet implemented (tracked in issue #${issue})`);
    });
}
