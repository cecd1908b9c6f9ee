// `plimsoll serve`: the API over the configured store. On the embedded runtime the same process
// also runs the ingest consumer, since the in-process bus cannot be shared between processes.
import { Command, Option } from 'commander';
import { commandContext } from '../context.js';
import { startService, stopOnSignals } from '../../runtime/service.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'serve the API (findings, reports, dashboards, /metrics) over the configured store',
    )
    .addOption(new Option('-p, --port <port>', 'API port').argParser(Number))
    .addOption(new Option('--host <host>', 'API listen address'))
    .action(async (options: { port?: number; host?: string }, command: Command) => {
      const { config, logger } = commandContext(command, {
        'api.port': options.port,
        'api.host': options.host,
      });
      const service = await startService({
        config,
        logger,
        ingest: config.runtime.bus === 'embedded',
        analysis: true,
      });
      await stopOnSignals(service, logger);
    });
}
