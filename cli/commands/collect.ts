// `plimsoll collect`: run collectors against a cluster (or an existing Prometheus) and publish to
// the configured bus, serving /healthz, /readyz and /metrics on the API port. What runs and how
// comes from the `collectors` config section; each flag given overrides its key
// (collectors/options.ts). The flags of each collector come from its registry entry.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CollectorDeps, CollectorFlag } from '../../collectors/collector.js';
import { planCollectors, prepareCollectors, type CollectFlags } from '../../collectors/options.js';
import { Publisher } from '../../collectors/publisher.js';
import { COLLECTORS, COLLECTOR_TYPES, type CollectorRegistry } from '../../collectors/registry.js';
import { startService, stopOnSignals } from '../../runtime/service.js';
import { commandContext, UsageError } from '../context.js';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function selected(list: string): string[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!Object.hasOwn(COLLECTORS, name)) {
      throw new UsageError(
        `unknown collector "${name}"; expected some of ${COLLECTOR_TYPES.join(', ')}`,
      );
    }
  }
  return names;
}

/** A collector's flag as a command-line option; its help names the key it overrides. */
function collectorOption(type: string, flag: CollectorFlag): Option {
  const option = new Option(
    flag.value === undefined ? `--${flag.name}` : `--${flag.name} ${flag.value}`,
    `${type} collector: ${flag.description} (collectors.${type}.${flag.key})`,
  );
  if (flag.choices) option.choices([...flag.choices]);
  if (flag.positive) option.argParser(positive);
  return option;
}

/** The options of every registered collector's own flags. */
export function collectorOptions(registry: CollectorRegistry = COLLECTORS): Option[] {
  return Object.entries(registry).flatMap(([type, entry]) =>
    entry.flags.map((flag) => collectorOption(type, flag)),
  );
}

export function collectCommand(): Command {
  const command = new Command('collect')
    .description(`run collectors (${COLLECTOR_TYPES.join(', ')}) and publish to the bus`)
    .option(
      '--collectors <list>',
      `comma-separated: ${COLLECTOR_TYPES.join(', ')} (collectors.enabled; default kubernetes,kubelet)`,
    )
    .option(
      '--server <url>',
      'API server URL without credentials: kubectl proxy, plimsoll simulate (collectors.connection.server)',
    )
    .option(
      '--kubeconfig <file>',
      'kubeconfig file, default $KUBECONFIG, ~/.kube/config, in-cluster (collectors.connection.kubeconfig)',
    )
    .option('--in-cluster', 'use the pod ServiceAccount (collectors.connection.inCluster)')
    .option(
      '--state-dir <dir>',
      'where checkpoints are kept, so restarts do not re-emit (collectors.stateDir)',
    );
  for (const option of collectorOptions()) command.addOption(option);
  return command
    .addOption(new Option('-p, --port <port>', 'port for health and metrics').argParser(Number))
    .action(async (options: CollectFlags & { port?: number }, cmd: Command) => {
      const { collectors: list, port, ...flags } = options;
      const chosen = typeof list === 'string' ? selected(list) : undefined;
      if (chosen?.length === 0) throw new UsageError('--collectors names no collector');
      const { config, logger } = commandContext(cmd, { 'api.port': port });
      const plan = planCollectors(config, { ...flags, collectors: chosen });
      const build = await prepareCollectors(plan);
      // On the embedded bus nothing else can read what is published: ingest and analyze here. On
      // Kafka the collectors only publish, and the store is not even opened.
      const embedded = config.runtime.bus === 'embedded';
      const service = await startService({
        config,
        logger,
        store: embedded,
        ingest: embedded,
        analysis: embedded,
        extra: ({ bus, telemetry }) => {
          const publisher = new Publisher(bus, {
            telemetry,
            logger: logger.child({ component: 'publisher' }),
          });
          const deps: CollectorDeps = { publisher, telemetry, logger, cluster: config.cluster };
          // The publisher starts first and, stopped last, drains what the collectors emitted.
          return [publisher, ...build(deps)];
        },
      });
      logger.info({ collectors: plan.types, cluster: config.cluster }, 'collectors running');
      await stopOnSignals(service, logger);
    });
}
