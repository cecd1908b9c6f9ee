// What each collector of `plimsoll collect` is built with: the `collectors` config section, with
// the command's flags over it (a flag given wins; an absent flag leaves the configured value).
// Seconds in the configuration become the milliseconds the factories take; keys the section does
// not have keep the factory's own defaults.
import { join } from 'node:path';
import type { Config } from '../core/config/schema.js';
import type { Collector, CollectorDeps } from './collector.js';
import type { KubeletFactoryConfig, KubeletMode } from './kubelet/factory.js';
import type { KubeConnection } from './kubernetes/api.js';
import type { KubernetesFactoryConfig } from './kubernetes/factory.js';
import type { LogsFactoryConfig, LogsSource } from './logs/factory.js';
import type { ShipMode } from './logs/selection.js';
import type { PrometheusFactoryConfig } from './prometheus/factory.js';
import { COLLECTOR_FACTORIES, type CollectorType } from './registry.js';

/** The flags of `plimsoll collect`, as parsed; each one overrides its configuration key. */
export interface CollectFlags {
  /** --collectors → collectors.enabled */
  readonly collectors?: readonly CollectorType[] | undefined;
  /** --state-dir → collectors.stateDir */
  readonly stateDir?: string | undefined;
  /** --server → collectors.connection.server */
  readonly server?: string | undefined;
  /** --kubeconfig → collectors.connection.kubeconfig */
  readonly kubeconfig?: string | undefined;
  /** --in-cluster → collectors.connection.inCluster */
  readonly inCluster?: boolean | undefined;
  /** --kubelet-mode → collectors.kubelet.mode */
  readonly kubeletMode?: KubeletMode | undefined;
  /** --kubelet-url-template → collectors.kubelet.urlTemplate */
  readonly kubeletUrlTemplate?: string | undefined;
  /** --kubelet-ca-file → collectors.kubelet.caFile */
  readonly kubeletCaFile?: string | undefined;
  /** --kubelet-insecure-skip-tls-verify → collectors.kubelet.insecureSkipTlsVerify */
  readonly kubeletInsecureSkipTlsVerify?: boolean | undefined;
  /** --kubelet-token-file → collectors.kubelet.tokenFile */
  readonly kubeletTokenFile?: string | undefined;
  /** --prometheus-url → collectors.prometheus.url */
  readonly prometheusUrl?: string | undefined;
  /** --backfill-days → collectors.prometheus.backfillDays */
  readonly backfillDays?: number | undefined;
  /** --step (seconds) → collectors.prometheus.stepSeconds */
  readonly step?: number | undefined;
  /** --log-mode → collectors.logs.mode */
  readonly logMode?: ShipMode | undefined;
  /** --log-source → collectors.logs.source */
  readonly logSource?: LogsSource | undefined;
  /** --log-dir → collectors.logs.root */
  readonly logDir?: string | undefined;
  /** --node-name → collectors.logs.nodeName */
  readonly nodeName?: string | undefined;
  /** --log-poll-interval (seconds) → collectors.logs.pollIntervalSeconds */
  readonly logPollInterval?: number | undefined;
}

/** The options of every collector factory, whether or not the collector runs. */
export interface FactoryOptions {
  readonly kubernetes: KubernetesFactoryConfig;
  readonly kubelet: KubeletFactoryConfig;
  readonly prometheus: PrometheusFactoryConfig;
  readonly logs: LogsFactoryConfig;
}

export interface CollectorPlan {
  /** The collectors to run, in the order given. */
  readonly types: readonly CollectorType[];
  readonly options: FactoryOptions;
}

const ms = (seconds: number) => seconds * 1000;

/**
 * The collectors to run and their options. `env` supplies `NODE_NAME`, the node a DaemonSet pod
 * learns from the downward API, when neither --node-name nor collectors.logs.nodeName is set.
 */
export function planCollectors(
  config: Pick<Config, 'cluster' | 'collectors'>,
  flags: CollectFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): CollectorPlan {
  const section = config.collectors;
  const stateDir = flags.stateDir ?? section.stateDir;
  const checkpointFile = (type: CollectorType) =>
    stateDir === undefined ? undefined : join(stateDir, `${type}-${config.cluster}.json`);
  const connection: KubeConnection = {
    server: flags.server ?? section.connection.server,
    kubeconfig: flags.kubeconfig ?? section.connection.kubeconfig,
    inCluster: flags.inCluster ?? section.connection.inCluster,
  };
  const { kubernetes, kubelet, prometheus, logs } = section;
  const configuredMode = kubelet.mode === 'auto' ? undefined : kubelet.mode;
  return {
    types: flags.collectors ?? section.enabled,
    options: {
      kubernetes: {
        ...COLLECTOR_FACTORIES.kubernetes.defaultConfig,
        connection,
        checkpointFile: checkpointFile('kubernetes'),
        events: kubernetes.events,
        resyncIntervalMs: ms(kubernetes.resyncIntervalSeconds),
        pageSize: kubernetes.pageSize,
        batchObjects: kubernetes.batchObjects,
      },
      kubelet: {
        ...COLLECTOR_FACTORIES.kubelet.defaultConfig,
        connection,
        mode: flags.kubeletMode ?? configuredMode,
        urlTemplate: flags.kubeletUrlTemplate ?? kubelet.urlTemplate,
        caFile: flags.kubeletCaFile ?? kubelet.caFile,
        insecureSkipTlsVerify: flags.kubeletInsecureSkipTlsVerify ?? kubelet.insecureSkipTlsVerify,
        tokenFile: flags.kubeletTokenFile ?? kubelet.tokenFile,
        source: kubelet.source,
        intervalMs: ms(kubelet.intervalSeconds),
        timeoutMs: ms(kubelet.timeoutSeconds),
        concurrency: kubelet.concurrency,
        jitter: kubelet.jitter,
        nodeRefreshMs: ms(kubelet.nodeRefreshSeconds),
        workloadRefreshMs: ms(kubelet.workloadRefreshSeconds),
      },
      prometheus: {
        ...COLLECTOR_FACTORIES.prometheus.defaultConfig,
        url: flags.prometheusUrl ?? prometheus.url,
        backfillDays: flags.backfillDays ?? prometheus.backfillDays,
        stepMs: ms(flags.step ?? prometheus.stepSeconds),
        chunkMs: ms(prometheus.chunkSeconds),
        namespaceBatch: prometheus.namespaceBatch,
        follow: prometheus.follow,
        followIntervalMs: ms(prometheus.followIntervalSeconds),
        lagMs: ms(prometheus.lagSeconds),
        usage: prometheus.usage,
        timeoutMs: ms(prometheus.timeoutSeconds),
        checkpointFile: checkpointFile('prometheus'),
      },
      logs: {
        ...COLLECTOR_FACTORIES.logs.defaultConfig,
        connection,
        mode: flags.logMode ?? logs.mode,
        source: flags.logSource ?? logs.source,
        root: flags.logDir ?? logs.root,
        nodeName: flags.nodeName ?? logs.nodeName ?? env.NODE_NAME,
        pollIntervalMs: ms(flags.logPollInterval ?? logs.pollIntervalSeconds),
        maxReadBytes: logs.maxReadBytes,
        kernelLog: logs.kernelLog,
        namespaces: logs.namespaces,
        contextLines: logs.contextLines,
        ratePerSecond: logs.ratePerSecond,
        burst: logs.burst,
        maxLineLength: logs.maxLineLength,
        maxStreams: logs.maxStreams,
        discoveryIntervalMs: ms(logs.discoveryIntervalSeconds),
        tailLines: logs.tailLines,
        checkpointFile: checkpointFile('logs'),
      },
    },
  };
}

/** Builds the planned collectors with their factories. */
export function createCollectors(plan: CollectorPlan, deps: CollectorDeps): Collector[] {
  return plan.types.map((type) => {
    switch (type) {
      case 'kubernetes':
        return COLLECTOR_FACTORIES.kubernetes.create(plan.options.kubernetes, deps);
      case 'kubelet':
        return COLLECTOR_FACTORIES.kubelet.create(plan.options.kubelet, deps);
      case 'prometheus':
        return COLLECTOR_FACTORIES.prometheus.create(plan.options.prometheus, deps);
      case 'logs':
        return COLLECTOR_FACTORIES.logs.create(plan.options.logs, deps);
    }
  });
}
