// `collection`: what Plimsoll's collection code costs against a simulated 1,000-node / 30,000-pod
// cluster — one steady-state kubelet round over every node's /metrics/resource, and one
// kube-state-metrics scrape parsed and folded into a snapshot — each in its own measured process
// (bench/workers/collection.ts), beside the raw baseline: the same requests with plain HTTP at the
// same concurrency, bodies only split into lines. The simulator runs in a process of its own.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FigureSet,
  measureNode,
  ratio,
  type BenchContext,
  type BenchSuite,
  type ChildUsage,
  type SuiteResult,
} from '../harness.js';
import type { Mode, Target, WorkerReport } from '../workers/collection-common.js';
import { startServiceProcess } from '../workers/service-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = join(ROOT, 'bench', 'workers', 'collection.ts');
const MIB = 2 ** 20;
/** The kubelet collector's default concurrency. */
const CONCURRENCY = 4;
export const COLLECTION_NODES = { full: 1000, quick: 100 } as const;

const SIDE: Record<Mode, string> = { plimsoll: 'Plimsoll', raw: 'raw HTTP' };

export interface WorkerRun {
  readonly report: WorkerReport;
  readonly usage: ChildUsage;
}

/** The worker's report: the last line of its stdout. */
export function parseWorkerReport(stdout: string): WorkerReport {
  const line = stdout.trim().split('\n').pop() ?? '';
  const report = JSON.parse(line) as WorkerReport;
  if (typeof report.cpuMs !== 'number' || typeof report.samples !== 'number') {
    throw new Error(`collection worker printed no report: ${line.slice(0, 200)}`);
  }
  return report;
}

async function runWorker(target: Target, mode: Mode, url: string): Promise<WorkerRun> {
  const usage = await measureNode(
    [
      '--import',
      'tsx',
      WORKER,
      '--target',
      target,
      '--mode',
      mode,
      '--url',
      url,
      '--concurrency',
      String(CONCURRENCY),
    ],
    { cwd: ROOT, timeoutMs: 600_000 },
  );
  return { report: parseWorkerReport(usage.stdout), usage };
}

/** Figures of one worker run, named by what was scraped and by whom. */
export function addFigures(figures: FigureSet, run: WorkerRun): void {
  const { report, usage } = run;
  const side = SIDE[report.mode];
  const seconds = report.wallMs / 1000;
  if (report.target === 'kubelet') {
    figures.add(`kubelet round wall time, ${side}`, 's', 'lower', seconds);
    figures.add(
      report.mode === 'plimsoll'
        ? 'kubelet round usage samples/s, Plimsoll'
        : 'kubelet round sample lines/s, raw HTTP',
      'samples/s',
      'higher',
      report.samples / seconds,
    );
    figures.add(
      `CPU per node scrape, ${side}`,
      'ms',
      'lower',
      report.cpuMs / Math.max(1, report.scrapes),
    );
    figures.add(
      `peak RSS, kubelet round process, ${side}`,
      'MiB',
      'lower',
      usage.maxRssBytes / MIB,
    );
  } else {
    figures.add(`KSM scrape wall time, ${side}`, 's', 'lower', seconds);
    figures.add(
      report.mode === 'plimsoll' ? 'KSM samples/s, Plimsoll' : 'KSM sample lines/s, raw HTTP',
      'samples/s',
      'higher',
      report.samples / seconds,
    );
    figures.add(`CPU per KSM scrape, ${side}`, 'ms', 'lower', report.cpuMs);
    figures.add(`peak RSS, KSM scrape process, ${side}`, 'MiB', 'lower', usage.maxRssBytes / MIB);
  }
}

export const collection: BenchSuite = {
  name: 'collection',
  description:
    "Samples/s and CPU per scrape of every node's /metrics/resource (the kubelet collector's round) and of kube-state-metrics, simulated mixed cluster (1,000 nodes / ~30,000 pods at full size), beside plain HTTP fetching the same bytes; peak RSS of the collector process",
  async run(context: BenchContext): Promise<SuiteResult> {
    const nodes = context.quick ? COLLECTION_NODES.quick : COLLECTION_NODES.full;
    context.progress(`collection: starting the simulator (mixed, ${nodes} nodes)`);
    const simulator = await startServiceProcess(
      [
        join(ROOT, 'bin', 'plimsoll.js'),
        'simulate',
        '--scenario',
        'mixed',
        '--nodes',
        String(nodes),
        '--port',
        '0',
      ],
      /^(http:\/\/\S+)$/m,
      { cwd: ROOT, timeoutMs: 300_000 },
    );
    const url = simulator.match[1]!;
    const figures = new FigureSet();
    const last = new Map<string, WorkerReport>();
    const failures: string[] = [];
    const loads: number[] = [];
    try {
      for (let repeat = 1; repeat <= context.repeats; repeat++) {
        for (const target of ['kubelet', 'ksm'] as const) {
          for (const mode of ['raw', 'plimsoll'] as const) {
            context.progress(
              `collection: repetition ${repeat}/${context.repeats}, ${target}, ${SIDE[mode]}`,
            );
            const run = await runWorker(target, mode, url);
            addFigures(figures, run);
            last.set(`${target}/${mode}`, run.report);
            if (run.report.failedRequests > 0) {
              failures.push(
                `${target} ${SIDE[mode]} repetition ${repeat}: ${run.report.failedRequests} of ${run.report.requests} requests failed`,
              );
            }
          }
        }
        loads.push(loadavg()[0]!);
      }
    } finally {
      await simulator.stop();
    }

    const pair = (what: string) =>
      ratio(
        `${what}, Plimsoll ÷ raw HTTP`,
        figures.get(`${what}, Plimsoll`),
        figures.get(`${what}, raw HTTP`),
      );
    const kubelet = last.get('kubelet/plimsoll')!;
    const kubeletRaw = last.get('kubelet/raw')!;
    const ksm = last.get('ksm/plimsoll')!;
    const ksmRaw = last.get('ksm/raw')!;
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    const notes = [
      `Kubelet round: the KubeletCollector's own cycle (node list, ${CONCURRENCY} nodes at a time, parse, counter rates, envelopes, publish to a counting sink) after a first, unmeasured round that gives CPU counters their previous value; /metrics/cadvisor and /pods are answered empty in-process (cAdvisor extras are a separate cost, /pods is refreshed every 5 minutes, not every round), so samples carry pod and uid but no workload. Last round: ${kubelet.scrapes} nodes, ${kubelet.samples.toLocaleString('en-US')} usage samples from ${mb(kubelet.bytes)}; raw HTTP read ${mb(kubeletRaw.bytes)} (${kubeletRaw.samples.toLocaleString('en-US')} sample lines, node list included).`,
      `KSM scrape: /ksm/metrics (${mb(ksm.bytes)}; raw read ${mb(ksmRaw.bytes)}) streamed through PrometheusTextParser into a KsmSnapshotBuilder, each sample folded as it is parsed (none held): ${ksm.samples.toLocaleString('en-US')} samples, ${ksm.nodes} nodes and ${(ksm.entities - ksm.nodes).toLocaleString('en-US')} pods. No collector scrapes kube-state-metrics directly yet; this is the format modules' cost.`,
      'CPU is measured inside each worker over the measured work only (module loading and the warm-up excluded); peak RSS is the whole worker process. Wall times include the simulator rendering every response in its own process (a 1,000-node KSM exposition takes it seconds), so CPU per scrape is the steadier figure; samples/s is per wall second.',
      `Load average (1 min) after each repetition: ${loads.map((l) => l.toFixed(1)).join(', ')}; other work on the machine shows in the wall times.`,
      failures.length === 0
        ? 'Every request succeeded on both sides.'
        : `Failed requests: ${failures.join('; ')}.`,
    ];
    return {
      suite: 'collection',
      description: collection.description,
      parameters: {
        scenario: 'mixed',
        nodes,
        pods: ksm.entities - ksm.nodes,
        concurrency: CONCURRENCY,
      },
      figures: figures.all(),
      ratios: [
        pair('CPU per node scrape'),
        pair('kubelet round wall time'),
        pair('peak RSS, kubelet round process'),
        pair('CPU per KSM scrape'),
        pair('KSM scrape wall time'),
        pair('peak RSS, KSM scrape process'),
      ],
      targets: [],
      notes,
    };
  },
};
