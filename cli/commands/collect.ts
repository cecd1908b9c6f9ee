// `plimsoll collect`: run collectors against a cluster (or an existing Prometheus) and publish to
// the configured bus, serving /healthz, /readyz and /metrics on the API port.
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Publisher } from '../../collectors/publisher.js';
import type { Collector, CollectorDeps } from '../../collectors/collector.js';
import {
  COLLECTOR_FACTORIES,
  COLLECTOR_TYPES,
  type CollectorType,
} from '../../collectors/registry.js';
import type { KubeConnection } from '../../collectors/kubernetes/api.js';
import { startService, stopOnSignals } from '../../runtime/service.js';
import { commandContext, UsageError } from '../context.js';

interface CollectOptions {
  collectors: string;
  server?: string;
  kubeconfig?: string;
  inCluster?: boolean;
  prometheusUrl?: string;
  backfillDays?: number;
  step?: number;
  stateDir?: string;
  logMode?: 'all' | 'tagged';
  logSource?: 'api' | 'files';
  logDir?: string;
  nodeName?: string;
  logPollInterval?: number;
  kubeletMode?: 'proxy' | 'direct';
  kubeletUrlTemplate?: string;
  kubeletCaFile?: string;
  kubeletInsecureSkipTlsVerify?: boolean;
  kubeletTokenFile?: string;
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
      `comma-separated: ${COLLECTOR_TYPES.join(', ')}`,
      'kubernetes,kubelet',
    )
    .option(
      '--server <url>',
      'API server URL without credentials (kubectl proxy, plimsoll simulate)',
    )
    .option(
      '--kubeconfig <file>',
      'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
    )
    .option('--in-cluster', 'use the pod ServiceAccount')
    .option('--prometheus-url <url>', 'Prometheus to backfill from (prometheus collector)')
    .addOption(
      new Option('--backfill-days <days>', 'days of Prometheus history').argParser(positive),
    )
    .addOption(
      new Option('--step <seconds>', 'resolution of the Prometheus backfill').argParser(positive),
    )
    .option('--state-dir <dir>', 'where checkpoints are kept, so restarts do not re-emit')
    .addOption(
      new Option('--log-mode <mode>', 'logs collector: ship all lines or tagged + context').choices(
        ['all', 'tagged'],
      ),
    )
    .addOption(
      new Option(
        '--log-source <source>',
        'logs collector: the API pod log endpoint, or the node log files (DaemonSet)',
      ).choices(['api', 'files']),
    )
    .option(
      '--log-dir <dir>',
      'kubelet pod log directory for --log-source files (default /var/log/pods)',
    )
    .option('--node-name <name>', 'node stamped on log lines read from files (default $NODE_NAME)')
    .addOption(
      new Option('--log-poll-interval <seconds>', 'how often log files are read').argParser(
        positive,
      ),
    )
    .addOption(
      new Option(
        '--kubelet-mode <mode>',
        'direct: each kubelet on its own port (needs only nodes/metrics, nodes/stats); proxy: through the API server (needs nodes/proxy). Default: direct in-cluster, else proxy',
      ).choices(['proxy', 'direct']),
    )
    .option('--kubelet-url-template <template>', 'kubelet URL, with {node}, {address}, {port}')
    .option('--kubelet-ca-file <file>', "CA that signed the kubelets' serving certificates")
    .option('--kubelet-insecure-skip-tls-verify', 'do not verify kubelet certificates')
    .option('--kubelet-token-file <file>', 'bearer token for the kubelets (re-read on rotation)')
    .addOption(new Option('-p, --port <port>', 'port for health and metrics').argParser(Number))
    .action(async (options: CollectOptions, command: Command) => {
      const types = selected(options.collectors);
      if (types.length === 0) throw new UsageError('--collectors names no collector');
      const { config, logger } = commandContext(command, { 'api.port': options.port });
      const connection: KubeConnection = {
        server: options.server,
        kubeconfig: options.kubeconfig,
        inCluster: options.inCluster,
      };
      const stateFile = (type: string) =>
        options.stateDir ? join(options.stateDir, `${type}-${config.cluster}.json`) : undefined;
      const service = await startService({
        config,
        logger,
        // On the embedded bus nothing else can read what is published: ingest and analyze here.
        ingest: config.runtime.bus === 'embedded',
        analysis: config.runtime.bus === 'embedded',
        extra: ({ bus, telemetry }) => {
          const publisher = new Publisher(bus, {
            telemetry,
            logger: logger.child({ component: 'publisher' }),
          });
          const deps: CollectorDeps = { publisher, telemetry, logger, cluster: config.cluster };
          const collectors: Collector[] = types.map((type) => {
            switch (type) {
              case 'kubernetes': {
                const f = COLLECTOR_FACTORIES.kubernetes;
                return f.create(
                  { ...f.defaultConfig, connection, checkpointFile: stateFile(type) },
                  deps,
                );
              }
              case 'kubelet': {
                const f = COLLECTOR_FACTORIES.kubelet;
                return f.create(
                  {
                    ...f.defaultConfig,
                    connection,
                    ...(options.kubeletMode && { mode: options.kubeletMode }),
                    ...(options.kubeletUrlTemplate && { urlTemplate: options.kubeletUrlTemplate }),
                    ...(options.kubeletCaFile && { caFile: options.kubeletCaFile }),
                    ...(options.kubeletInsecureSkipTlsVerify && { insecureSkipTlsVerify: true }),
                    ...(options.kubeletTokenFile && { tokenFile: options.kubeletTokenFile }),
                  },
                  deps,
                );
              }
              case 'prometheus': {
                const f = COLLECTOR_FACTORIES.prometheus;
                return f.create(
                  {
                    ...f.defaultConfig,
                    ...(options.prometheusUrl && { url: options.prometheusUrl }),
                    ...(options.backfillDays && { backfillDays: options.backfillDays }),
                    ...(options.step && { stepMs: options.step * 1000 }),
                    checkpointFile: stateFile(type),
                  },
                  deps,
                );
              }
              case 'logs': {
                const f = COLLECTOR_FACTORIES.logs;
                return f.create(
                  {
                    ...f.defaultConfig,
                    connection,
                    ...(options.logMode && { mode: options.logMode }),
                    ...(options.logSource && { source: options.logSource }),
                    ...(options.logDir && { root: options.logDir }),
                    nodeName: options.nodeName ?? process.env.NODE_NAME,
                    ...(options.logPollInterval && {
                      pollIntervalMs: options.logPollInterval * 1000,
                    }),
                    checkpointFile: stateFile(type),
                  },
                  deps,
                );
              }
            }
          });
          // The publisher starts first and, stopped last, drains what the collectors emitted.
          return [publisher, ...collectors];
        },
      });
      logger.info({ collectors: types, cluster: config.cluster }, 'collectors running');
      await stopOnSignals(service, logger);
    });
}
