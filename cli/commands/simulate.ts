// `plimsoll simulate`: serve a simulated cluster on loopback, or export its history as OpenMetrics.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  createSimulation,
  DEFAULT_SEED,
  defaultStart,
  exportOpenMetrics,
  groundTruth,
  scenarioNames,
  startSimulator,
} from '../../simulator/index.js';
import { writeCriLogs } from '../../simulator/export/cri-logs.js';
import {
  OMITTABLE_FAMILIES,
  type CadvisorLabels,
  type KsmVersion,
} from '../../simulator/export/openmetrics.js';

const DAY = 86_400_000;

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer between ${min} and ${max}`);
    }
    return n;
  };
}

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

interface SimulateOptions {
  scenario: string;
  seed: number;
  speed: number;
  port: number;
  nodes?: number;
  export?: 'openmetrics' | 'ground-truth';
  days: number;
  step: number;
  start?: string;
  logDir?: string;
  ksmVersion: `${KsmVersion}`;
  cadvisorLabels: CadvisorLabels;
  omit: string[];
}

const OMITTABLE = ['node-exporter', ...OMITTABLE_FAMILIES] as readonly string[];

function familyList(value: string, previous: string[]): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !OMITTABLE.includes(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `cannot omit ${unknown.join(', ')}; omittable: ${OMITTABLE.join(', ')}`,
    );
  return [...previous, ...names];
}

/** A reader that went away (`| head`) ends the export quietly, as other Unix tools do. */
function closedPipe(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'Run a simulated Kubernetes cluster (API, kubelet, cAdvisor, kube-state-metrics, logs) or export its history',
    )
    .addOption(
      new Option('--scenario <name>', 'scenario to simulate')
        .choices(scenarioNames())
        .default('mixed'),
    )
    .option(
      '--seed <n>',
      'seed: the same seed gives the same cluster and history',
      integer('--seed', 0, 2 ** 31 - 1),
      DEFAULT_SEED,
    )
    .option('--speed <x>', 'virtual seconds per real second', positive('--speed'), 1)
    .option(
      '--port <p>',
      'port on 127.0.0.1 (0 = any free port)',
      integer('--port', 0, 65535),
      8001,
    )
    .option(
      '--nodes <n>',
      'size of the general node pool (scale factor)',
      integer('--nodes', 1, 5000),
    )
    .addOption(
      new Option('--export <format>', 'write history to stdout instead of serving').choices([
        'openmetrics',
        'ground-truth',
      ]),
    )
    .option(
      '--days <n>',
      'days of history (export, and history behind the live view)',
      integer('--days', 1, 90),
      7,
    )
    .option(
      '--step <seconds>',
      'sample spacing of the OpenMetrics export',
      integer('--step', 1, 3600),
      60,
    )
    .option('--start <time>', 'history start (ISO 8601); default: --days before now, on the hour')
    .addOption(
      new Option('--ksm-version <n>', 'kube-state-metrics names and labels in the export')
        .choices(['1', '2'])
        .default('2'),
    )
    .addOption(
      new Option(
        '--cadvisor-labels <dialect>',
        'cAdvisor container labels: container/pod (current) or container_name/pod_name (legacy)',
      )
        .choices(['current', 'legacy'])
        .default('current'),
    )
    .option(
      '--omit <families>',
      `leave families out of the export, as if nothing exposed them (comma-separated: ${OMITTABLE.join(', ')})`,
      familyList,
      [],
    )
    .option(
      '--log-dir <dir>',
      'also write container logs in the /var/log/pods CRI layout under <dir>',
    )
    .action(async (options: SimulateOptions) => {
      const start = options.start ? Date.parse(options.start) : defaultStart(options.days);
      if (Number.isNaN(start))
        throw new InvalidArgumentError(`--start is not a valid time: ${options.start}`);
      const base = {
        scenario: options.scenario,
        seed: options.seed,
        start,
        ...(options.nodes ? { nodes: options.nodes } : {}),
      };
      if (options.export) {
        const sim = createSimulation(base);
        const window = { from: start, to: start + options.days * DAY };
        if (options.export === 'ground-truth') {
          process.stdout.write(JSON.stringify(groundTruth(sim, window), null, 2) + '\n');
          return;
        }
        // stdout's own errors (EPIPE) also reach the writer, which then stops.
        process.stdout.on('error', () => undefined);
        try {
          const summary = await exportOpenMetrics(sim, process.stdout, {
            ...window,
            stepMs: options.step * 1000,
            ksmVersion: Number(options.ksmVersion) as KsmVersion,
            cadvisorLabels: options.cadvisorLabels,
            omit: options.omit,
          });
          process.stderr.write(
            `exported ${summary.series} series, ${summary.samples} samples (${Math.round(summary.bytes / 1e6)} MB)\n`,
          );
        } catch (error) {
          if (!closedPipe(error)) throw error;
        }
        return;
      }
      const sim = await startSimulator({
        ...base,
        speed: options.speed,
        port: options.port,
        historyDays: options.days,
        onError: (e) => process.stderr.write(`simulator: ${String(e)}\n`),
      });
      process.stdout.write(`${sim.url}\n`);
      process.stderr.write(
        `scenario ${options.scenario} (seed ${options.seed}) at ${options.speed}x; try: kubectl --server ${sim.url} get nodes\n`,
      );
      let stopLogs: (() => void) | undefined;
      if (options.logDir) stopLogs = writeCriLogs(sim.simulation, sim.clock, options.logDir);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      stopLogs?.();
      await sim.close();
    });
}
