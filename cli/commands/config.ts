// `plimsoll config check|env`: validate a configuration before deploying it, and list the
// environment variables that override each key.
import { Command } from 'commander';
import { environmentOverrides } from '../../core/config/load.js';
import { commandContext } from '../context.js';

export function configCommand(): Command {
  const config = new Command('config').description('validate and document configuration');
  config
    .command('check')
    .description('validate the configuration (file given with --config, plus environment)')
    .action((_options: unknown, command: Command) => {
      const { config: loaded } = commandContext(command, {}, 2);
      process.stdout.write(
        `configuration is valid (bus: ${loaded.runtime.bus}, store: ${loaded.runtime.store})\n`,
      );
    });
  config
    .command('env')
    .description('list the environment variables that override configuration keys')
    .action(() => {
      for (const { env, key, description } of environmentOverrides()) {
        process.stdout.write(`${env.padEnd(44)} ${key.padEnd(34)} ${description}\n`);
      }
    });
  return config;
}
