// `plimsoll analyze`: one pass of the analyzers over the configured store, now or at a given
// time; findings are stored (updating earlier ones) and printed. An empty store is an error
// (exit 1) that says so, not an empty list.
import { Command, Option } from 'commander';
import { configuredAnalyzers } from '../../analyzers/index.js';
import { AnalyzerRunner } from '../../analyzers/runner.js';
import { createStore } from '../../runtime/adapters.js';
import { Telemetry } from '../../core/telemetry.js';
import { CommandFailed, commandContext, UsageError } from '../context.js';

export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('run the analyzers once over the configured store and print the open findings')
    .addOption(new Option('--at <time>', 'analyze as of this time (RFC 3339; default now)'))
    .addOption(new Option('--only <names>', 'comma-separated analyzer names'))
    .addOption(new Option('--json', 'print the findings as JSON'))
    .action(async (options: { at?: string; only?: string; json?: boolean }, command: Command) => {
      const { config, logger } = commandContext(command, {}, 2);
      const now = options.at ? Date.parse(options.at) : Date.now();
      if (Number.isNaN(now)) throw new UsageError(`--at: not a time: ${options.at}`);
      const store = createStore(config, {
        telemetry: new Telemetry({ defaultMetrics: false }),
        logger,
      });
      await store.start();
      try {
        const held = await Promise.all(
          (['node', 'pod', 'usage_sample'] as const).map((kind) => store.countRecords(kind)),
        );
        if (held.every((count) => count === 0)) {
          throw new CommandFailed(
            `the ${config.runtime.store} store holds no nodes, pods or usage samples: nothing to analyze. Run the collectors first (plimsoll collect), point --config at the store they fill, or read a Prometheus with plimsoll scan`,
          );
        }
        // Percentiles come from rollups: bring them up to date first.
        await store.maintain(now);
        const runner = new AnalyzerRunner({
          cluster: config.cluster,
          analyzers: configuredAnalyzers(config, options.only?.split(',')),
          reader: store,
          findings: store,
          logger,
          // A one-off pass over a large cluster may take minutes; the service keeps its bound.
          timeoutMs: 30 * 60_000,
        });
        const report = await runner.run({ now });
        const findings = (
          await store.findings({ cluster: config.cluster, status: 'open', limit: 500 })
        ).items;
        if (options.json) {
          process.stdout.write(
            `${JSON.stringify({ outcomes: report.outcomes, findings }, null, 2)}\n`,
          );
        } else {
          for (const outcome of report.outcomes) {
            process.stdout.write(
              `${outcome.analyzer.padEnd(22)} ${outcome.ok ? 'ok' : `failed: ${outcome.error ?? ''}`}  ${outcome.returned} findings, ${outcome.resolved} resolved\n`,
            );
          }
          for (const finding of findings) {
            process.stdout.write(
              `${finding.severity.padEnd(8)} ${finding.kind.padEnd(20)} ${finding.title}\n`,
            );
          }
        }
        if (report.outcomes.some((outcome) => !outcome.ok)) process.exitCode = 1;
      } finally {
        await store.stop();
      }
    });
}
