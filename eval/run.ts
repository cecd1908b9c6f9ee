// `npm run eval`: every simulator scenario through the analyzers, scored against the ground
// truth, printed as Markdown and written to eval/results/. Two paths: `live` (the simulator's
// replay straight into the store, written to latest.json) and `prometheus` (the scenario's
// OpenMetrics export served by a real Prometheus and read back by the prometheus collector, at
// each --scrape interval, written to prometheus.json). Each path also runs the recommendation
// backtest of eval/backtest.ts with its fit week read the same way. Exits non-zero when, on the
// live path, flapping or OOM-loop precision or recall falls below 0.98, OOM class accuracy below
// 0.95, any open findings about one subject contradict each other, or the healthy cluster raises
// any finding; the same targets are computed and printed for the prometheus path and its
// variants, and enforced there only with --enforce.
// Usage: npm run eval [-- --via live|prometheus|both] [--scrape 60,300] [--enforce]
//                     [--scenario NAME ...] [--days N] [--chunk MINUTES] [--lookback 5m] [--json]
//                     [--variant NAME|all ...] [--no-variants]
// The prometheus path also runs the variants of eval/variants.ts (dialects, missing families,
// scrape intervals, owners, node events), each at its own scrape interval: all of them unless
// --scenario names scenarios; --variant alone runs only the variants named.
// --scrape (seconds) is the prometheus path's export and read step; the live replay keeps its
// 5-minute step. --chunk (default 10) is the data time between ingest batches, and so between
// triggered analyses, on both paths; on the prometheus path it is also the collector's chunk.
// --lookback sets the served Prometheus' query look-back (default: half the scrape interval, in
// place of the staleness markers a backfill lacks; eval/prometheus/tsdb.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import {
  DEFAULT_START,
  evaluateScenario,
  type EvalPath,
  type EvalScenario,
  type ScenarioResult,
} from './evaluate.js';
import {
  classTotals,
  formatMarkdown,
  formatVariants,
  pathLabel,
  pathsOf,
  totals,
} from './format.js';
import { VARIANTS, variant, type EvalVariant } from './variants.js';
import { requirePrometheusBinaries } from './prometheus/tsdb.js';
import {
  BACKTEST_SCENARIOS,
  formatBacktest,
  runBacktest,
  type BacktestReport,
} from './backtest.js';

/**
 * The catalog, with `mixed` shrunk from 200 to 12 nodes so the whole evaluation stays within minutes
 * on 2 cores, and `healthy` from 32 to 12 on the Prometheus path so its 1-minute export fits on disk.
 */
export const EVAL_SCENARIOS: readonly EvalScenario[] = [
  { scenario: 'healthy', prometheusNodes: 12 },
  { scenario: 'node-flapping' },
  { scenario: 'oom-slow-leak' },
  { scenario: 'oom-startup' },
  { scenario: 'oom-spike' },
  { scenario: 'misfit' },
  { scenario: 'mixed', nodes: 12 },
];

/** Precision and recall of flapping and OOM loops, on every path. */
const TARGET = 0.98;
/** Share of found OOM loops whose class is right. */
const CLASS_TARGET = 0.95;
/** The live replay's scrape interval, as before there were two paths. */
const LIVE_STEP_MS = 5 * 60_000;
const DEFAULT_SCRAPE_SECONDS = [60, 300];
const here = dirname(fileURLToPath(import.meta.url));

/** The recommendation backtest with the fit week read from `via`, printed; undefined if it failed. */
async function backtestVia(
  via: EvalPath,
  scenarios: string[] | undefined,
): Promise<BacktestReport | undefined> {
  if (scenarios?.length === 0) return undefined;
  process.stderr.write(`eval: recommendation backtest, fit read via ${via} ...\n`);
  try {
    const report = await runBacktest({ via, ...(scenarios ? { scenarios } : {}) });
    process.stdout.write(`\n${formatBacktest(report)}\n`);
    return report;
  } catch (error) {
    process.stderr.write(
      `eval: backtest via ${via} failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return undefined;
  }
}

/** The backtest's scenarios among those asked for (all of them when none were named). */
function backtestScenariosOf(asked: readonly string[]): string[] | undefined {
  if (asked.length === 0) return undefined;
  return BACKTEST_SCENARIOS.filter((s) => asked.includes(s));
}

/** Each variant through a real Prometheus at its own scrape interval, days and dialect. */
async function runVariants(
  variants: readonly EvalVariant[],
  args: EvalArgs,
): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const v of variants) {
    process.stderr.write(`eval: variant ${v.name} (${v.description}) ...\n`);
    const result = await evaluateScenario(
      { scenario: v.scenario, ...(v.nodes === undefined ? {} : { nodes: v.nodes }) },
      {
        via: 'prometheus',
        stepMs: v.stepMs,
        exportOptions: v.exportOptions,
        ...(v.days === undefined ? {} : { days: v.days }),
        ...(args.chunkMs === undefined ? {} : { chunkMs: args.chunkMs }),
        ...(args.lookbackDelta === undefined ? {} : { lookbackDelta: args.lookbackDelta }),
      },
    );
    process.stderr.write(
      `eval: variant ${v.name} took ${(result.durationMs / 1000).toFixed(1)} s\n`,
    );
    out.push({ ...result, variant: v.name });
  }
  return out;
}

/** Targets missed by the variants, those that state why they cannot meet them left out. */
export function variantVerdicts(results: readonly ScenarioResult[]): string[] {
  return verdicts(results.filter((r) => !VARIANTS.find((v) => v.name === r.variant)?.degraded));
}

/** Targets missed by one path's results (one scrape interval). */
export function verdicts(results: readonly ScenarioResult[]): string[] {
  const problems: string[] = [];
  for (const kind of ['node_memory_flapping', 'oom_loop'] as const) {
    const t = totals(results, kind);
    if (t.precision !== null && t.precision < TARGET)
      problems.push(`${kind} precision ${t.precision.toFixed(2)} < ${TARGET}`);
    if (t.recall !== null && t.recall < TARGET)
      problems.push(`${kind} recall ${t.recall.toFixed(2)} < ${TARGET}`);
  }
  const classes = classTotals(results);
  if (classes.accuracy !== null && classes.accuracy < CLASS_TARGET)
    problems.push(`OOM class accuracy ${classes.accuracy.toFixed(2)} < ${CLASS_TARGET}`);
  for (const r of results) {
    const { disagreements, unwindowedCounts } = r.agreement;
    if (disagreements.length > 0)
      problems.push(`${r.variant ?? r.scenario}: ${disagreements.length} contradicting findings`);
    if (unwindowedCounts.length > 0)
      problems.push(
        `${r.variant ?? r.scenario}: ${unwindowedCounts.length} kill counts without a window`,
      );
  }
  const healthy = results.find((r) => r.scenario === 'healthy');
  if (healthy && healthy.findings > 0) problems.push(`healthy raised ${healthy.findings} findings`);
  return problems;
}

export interface EvalArgs {
  readonly scenarios: string[];
  readonly paths: EvalPath[];
  readonly scrapeMs: number[];
  readonly enforce: boolean;
  readonly json: boolean;
  readonly days: number | undefined;
  readonly chunkMs: number | undefined;
  readonly lookbackDelta: string | undefined;
  /** Variants to run on the prometheus path (all when neither --scenario nor --variant is given). */
  readonly variants: readonly EvalVariant[];
}

export function parseArgs(argv: readonly string[]): EvalArgs {
  const values = (flag: string) => argv.flatMap((arg, i) => (argv[i - 1] === flag ? [arg] : []));
  const via = values('--via').at(-1) ?? 'live';
  if (!['live', 'prometheus', 'both'].includes(via))
    throw new Error(`--via must be live, prometheus or both, not ${via}`);
  const scrape = values('--scrape').at(-1);
  const scrapeSeconds = scrape
    ? scrape.split(',').map((s) => Number(s.trim()))
    : DEFAULT_SCRAPE_SECONDS;
  if (scrapeSeconds.some((s) => !Number.isInteger(s) || s < 1))
    throw new Error(`--scrape takes seconds, e.g. 60,300, not ${scrape}`);
  const days = values('--days').at(-1);
  if (days !== undefined && !(Number(days) > 0)) throw new Error(`--days must be > 0`);
  const chunk = values('--chunk').at(-1);
  if (chunk !== undefined && !(Number(chunk) >= 1))
    throw new Error(`--chunk takes minutes (at least 1), not ${chunk}`);
  return {
    scenarios: values('--scenario'),
    paths: via === 'both' ? ['live', 'prometheus'] : [via as EvalPath],
    scrapeMs: scrapeSeconds.map((s) => s * 1000),
    enforce: argv.includes('--enforce'),
    json: argv.includes('--json'),
    days: days === undefined ? undefined : Number(days),
    chunkMs: chunk === undefined ? undefined : Number(chunk) * 60_000,
    lookbackDelta: values('--lookback').at(-1),
    variants: selectVariants(argv, values('--variant'), values('--scenario')),
  };
}

function selectVariants(
  argv: readonly string[],
  named: readonly string[],
  scenarios: readonly string[],
): EvalVariant[] {
  if (argv.includes('--no-variants')) return [];
  if (named.includes('all')) return [...VARIANTS];
  if (named.length > 0) return named.map(variant);
  return scenarios.length > 0 ? [] : [...VARIANTS];
}

async function writeResults(file: string, content: Record<string, unknown>): Promise<void> {
  await mkdir(join(here, 'results'), { recursive: true });
  await writeFile(
    join(here, 'results', file),
    JSON.stringify({ generatedAt: new Date().toISOString(), ...content }, null, 2) + '\n',
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.paths.includes('prometheus')) requirePrometheusBinaries();
  // --variant alone runs just the variants.
  const variantsOnly = args.scenarios.length === 0 && argv.includes('--variant');
  const selected = variantsOnly
    ? []
    : args.scenarios.length > 0
      ? EVAL_SCENARIOS.filter((s) => args.scenarios.includes(s.scenario))
      : EVAL_SCENARIOS;
  const runs: { via: EvalPath; stepMs: number }[] = [
    ...(args.paths.includes('live') ? [{ via: 'live' as const, stepMs: LIVE_STEP_MS }] : []),
    ...(args.paths.includes('prometheus')
      ? args.scrapeMs.map((stepMs) => ({ via: 'prometheus' as const, stepMs }))
      : []),
  ];
  const started = performance.now();
  const results: ScenarioResult[] = [];
  for (const spec of selected) {
    for (const { via, stepMs } of runs) {
      const label = `${spec.scenario} via ${pathLabel({ via, stepMs })}`;
      process.stderr.write(`eval: ${label} ...\n`);
      let day = 0;
      const result = await evaluateScenario(spec, {
        via,
        stepMs,
        onChunk: (t) => {
          const d = Math.floor((t - DEFAULT_START) / 86_400_000);
          if (d <= day) return;
          day = d;
          process.stderr.write(`eval: ${label}: day ${d} judged\n`);
        },
        ...(args.days === undefined ? {} : { days: args.days }),
        ...(args.chunkMs === undefined ? {} : { chunkMs: args.chunkMs }),
        ...(args.lookbackDelta === undefined ? {} : { lookbackDelta: args.lookbackDelta }),
      });
      process.stderr.write(`eval: ${label} took ${(result.durationMs / 1000).toFixed(1)} s\n`);
      results.push(result);
    }
  }
  const variantResults = args.paths.includes('prometheus')
    ? await runVariants(args.variants, args)
    : [];
  const live = results.filter((r) => r.via === 'live');
  const viaPrometheus = results.filter((r) => r.via === 'prometheus');
  process.stdout.write(
    args.json
      ? JSON.stringify([...results, ...variantResults], null, 2) + '\n'
      : formatMarkdown(results) +
          (variantResults.length > 0 ? `\n${formatVariants(variantResults, VARIANTS)}` : ''),
  );
  process.stderr.write(
    `eval: ${results.length + variantResults.length} evaluations in ${((performance.now() - started) / 60_000).toFixed(1)} min\n`,
  );
  // The backtest goes with the catalog, not with a run of variants alone.
  const backtestScenarios = variantsOnly ? [] : backtestScenariosOf(args.scenarios);
  if (live.length > 0) {
    const backtest = await backtestVia('live', backtestScenarios);
    await writeResults('latest.json', { results: live, backtest });
  }
  let failed = false;
  for (const r of live.length > 0 ? verdicts(live) : []) {
    process.stderr.write(`eval: FAIL live: ${r}\n`);
    failed = true;
  }
  const missed: Record<string, string[]> = {};
  for (const path of pathsOf(viaPrometheus)) {
    const problems = verdicts(viaPrometheus.filter((r) => pathLabel(r) === path));
    missed[path] = problems;
    for (const p of problems)
      process.stderr.write(
        `eval: ${args.enforce ? 'FAIL' : 'miss (not enforced)'} ${path}: ${p}\n`,
      );
    if (args.enforce && problems.length > 0) failed = true;
  }
  const variantProblems = variantVerdicts(variantResults);
  if (variantResults.length > 0) missed.variants = variantProblems;
  for (const p of variantProblems) {
    process.stderr.write(`eval: ${args.enforce ? 'FAIL' : 'miss (not enforced)'} variants: ${p}\n`);
    if (args.enforce) failed = true;
  }
  if (viaPrometheus.length > 0 || variantResults.length > 0) {
    const backtest = await backtestVia('prometheus', backtestScenarios);
    await writeResults('prometheus.json', {
      backtest,
      scrapeSeconds: args.scrapeMs.map((ms) => ms / 1000),
      enforced: args.enforce,
      targetsMissed: missed,
      results: viaPrometheus,
      variants: variantResults,
    });
  }
  return failed ? 1 : 0;
}

// Run only as the entry point (the tests import parseArgs and verdicts).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Interrupted: exit through process.exit so the private Prometheus and its directory are
  // removed by their exit hook (tsdb.ts) instead of outliving the evaluation. Every signal is
  // handled, not just the first: a wrapper such as timeout(1) forwards a second SIGTERM, whose
  // default action would end the process halfway through removing a many-gigabyte export.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      process.stderr.write(`eval: ${signal}, stopping\n`);
      process.exit(130);
    });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `eval: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 2;
    },
  );
}
