// `plimsoll ingest`: the consumer group that writes the bus into the store. Run several to share
// the partitions; each serves /healthz, /readyz and /metrics on its API port.
import { Command, Option } from 'commander';
import { commandContext, UsageError } from '../context.js';
import { startService, stopOnSignals } from '../../runtime/service.js';

export function ingestCommand(): Command {
  return new Command('ingest')
    .description('consume records from Kafka and write them to Elasticsearch (consumer group)')
    .addOption(new Option('-p, --port <port>', 'port for health and metrics').argParser(Number))
    .action(async (options: { port?: number }, command: Command) => {
      const { config, logger } = commandContext(command, { 'api.port': options.port });
      if (config.runtime.bus === 'embedded') {
        throw new UsageError(
          'plimsoll ingest reads from Kafka: set runtime.bus: kafka (and runtime.store: elasticsearch); ' +
            'the embedded runtime ingests inside `plimsoll demo` / `plimsoll serve`',
        );
      }
      const service = await startService({ config, logger, ingest: true });
      await stopOnSignals(service, logger);
    });
}
