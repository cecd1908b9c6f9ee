// The logs collector's section of the `collectors` configuration, its flags and its registry entry;
// the defaults below are the only ones it has. One section serves both sources: the pod log
// endpoint (`api`) and the node's log files (`files`).
import { Type, type Static } from '@sinclair/typebox';
import { Count, Seconds } from '../../core/config/fields.js';
import { sectionDefaults, type CollectorEntry } from '../collector.js';
import type { LogsCollectorConfig } from './collector.js';
import type { LogsFactoryConfig } from './factory.js';
import type { LogFilesConfig } from './files.js';
import type { SelectionOptions } from './selection.js';

export const logsSection = Type.Object(
  {
    mode: Type.Union([Type.Literal('all'), Type.Literal('tagged')], {
      default: 'tagged',
      description: 'all: ship every line; tagged: OOM, kill and panic lines with context',
    }),
    source: Type.Union([Type.Literal('api'), Type.Literal('files')], {
      default: 'api',
      description:
        'api: the pod log endpoint (RBAC pods/log); files: the node log files (DaemonSet)',
    }),
    root: Type.String({
      minLength: 1,
      default: '/var/log/pods',
      description: "Files source: the kubelet's pod log directory",
    }),
    nodeName: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Files source: node stamped on every line (default: $NODE_NAME)',
      }),
    ),
    pollIntervalSeconds: Seconds(2, 'Files source: pause between polls of the log files'),
    maxReadBytes: Count(1_048_576, 'Files source: bytes read per file per poll'),
    kernelLog: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Files source: the node's kernel log (e.g. /var/log/kern.log, mounted read-only); each OOM-killer report in it becomes an OOMKilling event naming the pod and container it hit (the kubelet's SystemOOM event names only a process). Unset: not read",
      }),
    ),
    namespaces: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Only these namespaces (empty: all)',
    }),
    contextLines: Type.Integer({
      minimum: 0,
      default: 20,
      description: 'Tagged mode: lines shipped before and after each tagged line',
    }),
    ratePerSecond: Type.Number({
      exclusiveMinimum: 0,
      default: 50,
      description: 'Sustained untagged lines per second per container (tagged lines always pass)',
    }),
    burst: Count(200, 'Untagged lines a container may send at once above the rate'),
    maxLineLength: Count(65_536, 'Longer lines are cut to this many characters'),
    maxStreams: Count(50, 'API source: containers followed at once'),
    discoveryIntervalSeconds: Seconds(30, 'API source: how often running containers are listed'),
    tailLines: Type.Integer({
      minimum: 0,
      default: 100,
      description:
        'API source: lines read back when a container is first followed, and of its ended run',
    }),
  },
  { additionalProperties: false, default: {} },
);

export type LogsSection = Static<typeof logsSection>;

/** How long a files collector's stop waits for the publisher before it saves its offsets. */
const STOP_FLUSH_MS = 30_000;

/** The pod-log-endpoint collector's settings from the section. */
export function logsSettings(section: LogsSection): LogsCollectorConfig {
  return {
    mode: section.mode,
    contextLines: section.contextLines,
    ratePerSecond: section.ratePerSecond,
    burst: section.burst,
    maxLineLength: section.maxLineLength,
    maxStreams: section.maxStreams,
    discoveryIntervalMs: section.discoveryIntervalSeconds * 1000,
    tailLines: section.tailLines,
    namespaces: section.namespaces,
  };
}

/** The log-files collector's own settings (the line selection is shared) from the section. */
export function logFilesSettings(
  section: LogsSection,
  nodeName: string | undefined,
  checkpointFile: string | undefined,
): Omit<LogFilesConfig, keyof SelectionOptions> {
  return {
    root: section.root,
    pollIntervalMs: section.pollIntervalSeconds * 1000,
    maxReadBytes: section.maxReadBytes,
    maxLineLength: section.maxLineLength,
    nodeName,
    namespaces: section.namespaces,
    checkpointFile,
    stopFlushMs: STOP_FLUSH_MS,
    kernelLog: section.kernelLog,
  };
}

const defaults = sectionDefaults(logsSection);
export const logsDefaults: LogsCollectorConfig = logsSettings(defaults);
export const logFilesDefaults = logFilesSettings(defaults, undefined, undefined);

export const logsEntry: CollectorEntry<typeof logsSection, LogsFactoryConfig> = {
  type: 'logs',
  description:
    'follow container logs (pod log endpoint, or the node CRI log files); tag OOM, kill and panic lines',
  section: logsSection,
  flags: [
    {
      name: 'log-mode',
      key: 'mode',
      value: '<mode>',
      choices: ['all', 'tagged'],
      description: 'ship all lines or tagged + context',
    },
    {
      name: 'log-source',
      key: 'source',
      value: '<source>',
      choices: ['api', 'files'],
      description: 'the API pod log endpoint, or the node log files (DaemonSet)',
    },
    {
      name: 'log-dir',
      key: 'root',
      value: '<dir>',
      description: 'kubelet pod log directory for --log-source files (default /var/log/pods)',
    },
    {
      name: 'node-name',
      key: 'nodeName',
      value: '<name>',
      description: 'node stamped on log lines read from files (default $NODE_NAME)',
    },
    {
      name: 'log-poll-interval',
      key: 'pollIntervalSeconds',
      value: '<seconds>',
      positive: true,
      description: 'how often log files are read',
    },
  ],
  configure: (section, shared) => ({
    ...logsSettings(section),
    ...logFilesSettings(section, section.nodeName ?? shared.env.NODE_NAME, shared.checkpointFile),
    source: section.source,
    connection: shared.connection,
  }),
  load: async () => (await import('./factory.js')).logsFactory,
};
