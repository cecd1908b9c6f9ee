// `plimsoll scan`: one run against an existing Prometheus (kube-state-metrics and cAdvisor), with
// nothing to install or configure: check its series, read N days of history with a progress bar,
// run every analyzer once, print the verdicts. --fail-on makes it a CI gate (exit 3).
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  parseSelector,
  SelectorError,
  type LabelRequirement,
} from '../../collectors/prometheus/selector.js';
import { atOrAbove, formatScan, SCAN_FORMATS, type ScanFormat } from '../../scan/format.js';
import { progressReporter } from '../../scan/progress.js';
import { runScan, ScanError } from '../../scan/run.js';
import { CommandFailed, commandContext, UsageError } from '../context.js';

/** Exit status when findings at or above --fail-on were found (errors exit 1, usage 2). */
export const SCAN_FINDINGS_EXIT = 3;

interface ScanCommandOptions {
  prometheusUrl: string;
  days: number;
  step?: number;
  end?: string;
  namespace?: string;
  selector?: LabelRequirement[];
  format: ScanFormat;
  out?: string;
  failOn?: 'critical' | 'warning';
  cluster?: string;
  progress: boolean;
}

function positive(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > max) {
      throw new InvalidArgumentError(`${name} must be a number above 0 and at most ${max}`);
    }
    return n;
  };
}

function selectorArgument(value: string): LabelRequirement[] {
  try {
    return parseSelector(value);
  } catch (error) {
    if (error instanceof SelectorError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

export function scanCommand(): Command {
  return new Command('scan')
    .description(
      'read an existing Prometheus (kube-state-metrics, cAdvisor) once and print the verdicts',
    )
    .requiredOption('--prometheus-url <url>', 'Prometheus to read, e.g. http://prometheus:9090')
    .option('--days <n>', 'days of history to read', positive('--days', 35), 14)
    .option(
      '--step <seconds>',
      'resolution of the history read (default: 60, coarser past 3 days so that a series has at most 4,320 points)',
      positive('--step', 3600),
    )
    .option('--end <time>', 'end of the window (RFC 3339; default now)')
    .option('--namespace <names>', 'only these namespaces (comma-separated); nodes are read whole')
    .option(
      '-l, --selector <selector>',
      'only pods with these labels (k=v,k!=v, as kube-state-metrics exports them); nodes are read whole',
      selectorArgument,
    )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices([...SCAN_FORMATS])
        .default('table'),
    )
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .addOption(
      new Option(
        '--fail-on <severity>',
        `exit ${SCAN_FINDINGS_EXIT} when a finding at or above this severity is open`,
      ).choices(['critical', 'warning']),
    )
    .option('--cluster <name>', 'cluster name the findings carry (default: the configured one)')
    .option('--no-progress', 'no progress on stderr')
    .action(async (options: ScanCommandOptions, command: Command) => {
      const { config, logger } = commandContext(command, {}, 2);
      if (!/^https?:\/\/[^\s]+$/.test(options.prometheusUrl)) {
        throw new UsageError(`--prometheus-url: not an http(s) URL: ${options.prometheusUrl}`);
      }
      const end = options.end === undefined ? Date.now() : Date.parse(options.end);
      if (Number.isNaN(end)) throw new UsageError(`--end: not a time: ${options.end}`);
      const progress = options.progress ? progressReporter() : undefined;
      let result;
      try {
        result = await runScan({
          prometheusUrl: options.prometheusUrl,
          days: options.days,
          stepMs: options.step === undefined ? undefined : options.step * 1000,
          end,
          namespaces: options.namespace
            ?.split(',')
            .map((n) => n.trim())
            .filter(Boolean),
          podSelector: options.selector,
          cluster: options.cluster ?? config.cluster,
          config,
          logger,
          onProgress: progress?.update,
        });
      } catch (error) {
        if (error instanceof ScanError) throw new CommandFailed(error.message);
        throw error;
      } finally {
        progress?.end();
      }
      const text = formatScan(result, options.format);
      if (options.out) {
        await writeFile(options.out, text);
        process.stderr.write(`plimsoll: scan (${options.format}) written to ${options.out}\n`);
      } else {
        process.stdout.write(text);
      }
      if (result.outcomes.some((o) => !o.ok)) process.exitCode = 1;
      if (options.failOn && atOrAbove(result.findings, options.failOn).length > 0) {
        process.exitCode = SCAN_FINDINGS_EXIT;
      }
    });
}
