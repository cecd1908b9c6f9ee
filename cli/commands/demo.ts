// `plimsoll demo` (what `npm start` runs): the embedded runtime on one machine with nothing else
// installed: in-process bus, in-memory store, the pipeline and the API.
import { Command, Option } from 'commander';
import { commandContext } from '../context.js';
import { isoWeekOf, lastCompleteWeek } from '../../reports/week.js';
import { SimulatedCluster } from '../../runtime/simulated-cluster.js';
import { startService, stopOnSignals, type RunningService } from '../../runtime/service.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run Plimsoll end to end on the embedded runtime (in-process bus, in-memory store)',
    )
    .addOption(new Option('-p, --port <port>', 'API port (0 picks a free one)').argParser(Number))
    .addOption(
      new Option(
        '--probe-port <port>',
        'a second port serving only /healthz and /readyz (0 picks a free one)',
      ).argParser(Number),
    )
    .action(async (options: { port?: number; probePort?: number }, command: Command) => {
      const context = commandContext(command, {
        'runtime.bus': 'embedded',
        'runtime.store': 'memory',
        'api.port': options.port,
        'api.probePort': options.probePort,
      });
      const { logger } = context;
      // Records carry the simulated cluster's own name; analysis and reports follow it.
      const config = { ...context.config, cluster: `sim-${context.config.simulator.scenario}` };
      logger.info('no production services configured: running the embedded runtime');
      let cluster: SimulatedCluster | undefined;
      // The history may finish loading before startService returns; the hook waits for it.
      let started: (service: RunningService) => void = () => undefined;
      const running = new Promise<RunningService>((resolve) => (started = resolve));
      const service = await startService({
        config,
        logger,
        ingest: true,
        analysis: true,
        // The first report is written once the history is in, not from an empty store.
        reportCatchUp: false,
        extra: ({ bus }) => {
          cluster = new SimulatedCluster({
            bus,
            scenario: config.simulator.scenario,
            seed: config.simulator.seed,
            nodes: config.simulator.nodes,
            speed: config.simulator.speed,
            historyDays: config.simulator.historyDays,
            stepMs: config.simulator.backfillStepSeconds * 1000,
            logger: logger.child({ component: 'demo.simulated-cluster' }),
            onHistoryLoaded: async () => {
              const ready = await running;
              const runner = ready.analysis?.runner;
              if (!runner) return;
              // The runner judges the replayed history in data time, as it does a backfill
              // from Prometheus: past incidents become findings that opened and resolved at
              // their time. Wait for that, then judge the present with every analyzer.
              const now = Date.now();
              await runner.flush();
              await runner.run();
              const reports = ready.analysis?.reports;
              await reports?.runOnce({ week: lastCompleteWeek(now, config.report.timezone) });
              await reports?.runOnce({ week: isoWeekOf(now, config.report.timezone) });
              process.stdout.write(
                `History loaded and analyzed: ${ready.url}/api/v1/findings\n` +
                  `Pages: ${ready.url}/ (open verdicts by severity and namespace)\n` +
                  `Weekly report: ${ready.url}/api/v1/reports/latest?format=html\n` +
                  (ready.probeUrl ? `Probes: ${ready.probeUrl}/healthz\n` : ''),
              );
            },
          });
          return [cluster];
        },
      });
      started(service);
      process.stdout.write(
        [
          '',
          'Plimsoll demo is running on the embedded runtime (in-process bus, in-memory store).',
          `  cluster     simulated "${config.simulator.scenario}" (${config.simulator.nodes} nodes): kubectl --server ${cluster?.url ?? '?'} get nodes`,
          `  pages       ${service.url}/   (verdicts by namespace and workload, with charts and patches)`,
          `  findings    ${service.url}/api/v1/findings   (history is loading; /readyz turns 200 when it is in)`,
          `  docs        ${service.url}/docs`,
          `  API         ${service.url}`,
          `  health      ${service.probeUrl ?? service.url}/healthz   readiness ${service.probeUrl ?? service.url}/readyz`,
          `  metrics     ${service.url}/metrics`,
          `  OpenAPI     ${service.url}/openapi.json`,
          'Press Ctrl+C to stop.',
          '',
        ].join('\n'),
      );
      await stopOnSignals(service, logger);
    });
}
