// `plimsoll demo` (what `npm start` runs): the embedded runtime on one machine with nothing else
// installed: in-process bus, in-memory store, the pipeline and the API.
import { Command, Option } from 'commander';
import { commandContext } from '../context.js';
import { startService, stopOnSignals } from '../../runtime/service.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run Plimsoll end to end on the embedded runtime (in-process bus, in-memory store)',
    )
    .addOption(new Option('-p, --port <port>', 'API port (0 picks a free one)').argParser(Number))
    .action(async (options: { port?: number }, command: Command) => {
      const { config, logger } = commandContext(command, {
        'runtime.bus': 'embedded',
        'runtime.store': 'memory',
        'api.port': options.port,
      });
      logger.info('no production services configured: running the embedded runtime');
      const service = await startService({ config, logger, ingest: true });
      process.stdout.write(
        [
          '',
          'Plimsoll demo is running on the embedded runtime (in-process bus, in-memory store).',
          `  API         ${service.url}`,
          `  health      ${service.url}/healthz   readiness ${service.url}/readyz`,
          `  metrics     ${service.url}/metrics`,
          `  OpenAPI     ${service.url}/openapi.json`,
          'Press Ctrl+C to stop.',
          '',
        ].join('\n'),
      );
      await stopOnSignals(service, logger);
    });
}
