// `plimsoll collect`: run collectors against a cluster (or an existing Prometheus) and publish to
// the configured bus, serving /healthz, /readyz and /metrics on the API port. What runs and how
// comes from the `collectors` config section; each flag given overrides its key
// (collectors/options.ts).
import { Command, InvalidArgumentError, Option } from 'commander';
import { createCollectors, planCollectors, type CollectFlags } from '../../collectors/options.js';
import { Publisher } from '../../collectors/publisher.js';
import type { CollectorDeps } from '../../collectors/collector.js';
import { COLLECTOR_TYPES, type CollectorType } from '../../collectors/registry.js';
import { startService, stopOnSignals } from '../../runtime/service.js';
import { commandContext, UsageError } from '../context.js';

interface CollectOptions extends Omit<CollectFlags, 'collectors'> {
  collectors?: string;
  port?: number;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function selected(list: string): CollectorType[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!COLLECTOR_TYPES.includes(name as CollectorType)) {
      throw new UsageError(
        `unknown collector "${name}"; expected some of ${COLLECTOR_TYPES.join(', ')}`,
      );
    }
  }
  return names as CollectorType[];
}

export function collectCommand(): Command {
  return new Command('collect')
    .description('run collectors (kubernetes, kubelet, prometheus, logs) and publish to the bus')
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
    .option('--prometheus-url <url>', 'Prometheus to backfill from (collectors.prometheus.url)')
    .addOption(
      new Option(
        '--backfill-days <days>',
        'days of Prometheus history (collectors.prometheus.backfillDays)',
      ).argParser(positive),
    )
    .addOption(
      new Option(
        '--step <seconds>',
        'resolution of the Prometheus backfill (collectors.prometheus.stepSeconds)',
      ).argParser(positive),
    )
    .option(
      '--state-dir <dir>',
      'where checkpoints are kept, so restarts do not re-emit (collectors.stateDir)',
    )
    .addOption(
      new Option(
        '--log-mode <mode>',
        'logs collector: ship all lines or tagged + context (collectors.logs.mode)',
      ).choices(['all', 'tagged']),
    )
    .addOption(
      new Option(
        '--log-source <source>',
        'logs collector: the API pod log endpoint, or the node log files, DaemonSet (collectors.logs.source)',
      ).choices(['api', 'files']),
    )
    .option(
      '--log-dir <dir>',
      'kubelet pod log directory for --log-source files (collectors.logs.root; default /var/log/pods)',
    )
    .option(
      '--node-name <name>',
      'node stamped on log lines read from files (collectors.logs.nodeName; default $NODE_NAME)',
    )
    .addOption(
      new Option(
        '--log-poll-interval <seconds>',
        'how often log files are read (collectors.logs.pollIntervalSeconds)',
      ).argParser(positive),
    )
    .addOption(
      new Option(
        '--kubelet-mode <mode>',
        'direct: each kubelet on its own port (needs only nodes/metrics, nodes/stats); proxy: through the API server (needs nodes/proxy). Default: direct in-cluster, else proxy (collectors.kubelet.mode)',
      ).choices(['proxy', 'direct']),
    )
    .option(
      '--kubelet-url-template <template>',
      'kubelet URL, with {node}, {address}, {port} (collectors.kubelet.urlTemplate)',
    )
    .option(
      '--kubelet-ca-file <file>',
      "CA that signed the kubelets' serving certificates (collectors.kubelet.caFile)",
    )
    .option(
      '--kubelet-insecure-skip-tls-verify',
      'do not verify kubelet certificates (collectors.kubelet.insecureSkipTlsVerify)',
    )
    .option(
      '--kubelet-token-file <file>',
      'bearer token for the kubelets, re-read on rotation (collectors.kubelet.tokenFile)',
    )
    .addOption(new Option('-p, --port <port>', 'port for health and metrics').argParser(Number))
    .action(async (options: CollectOptions, command: Command) => {
      const { collectors: list, port, ...flags } = options;
      const chosen = list === undefined ? undefined : selected(list);
      if (chosen?.length === 0) throw new UsageError('--collectors names no collector');
      const { config, logger } = commandContext(command, { 'api.port': port });
      const plan = planCollectors(config, { ...flags, collectors: chosen });
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
          return [publisher, ...createCollectors(plan, deps)];
        },
      });
      logger.info({ collectors: plan.types, cluster: config.cluster }, 'collectors running');
      await stopOnSignals(service, logger);
    });
}
