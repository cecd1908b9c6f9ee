// `npm run eval`: every simulator scenario through the analyzers, scored against the ground
// truth, printed as Markdown and written to eval/results/latest.json. When the recommendation
// backtest (eval/backtest.ts) exists, it runs too. Exits non-zero when flapping or OOM-loop
// precision or recall falls below 0.95, or when the healthy cluster raises any finding.
// Usage: npm run eval [-- --scenario NAME ...] [--json]
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { evaluateScenario, type EvalScenario, type ScenarioResult } from './evaluate.js';
import { formatMarkdown, totals } from './format.js';

/** The catalog, with `mixed` shrunk from 200 to 12 nodes so the whole evaluation stays within minutes on 2 cores. */
export const EVAL_SCENARIOS: readonly EvalScenario[] = [
  { scenario: 'healthy' },
  { scenario: 'node-flapping' },
  { scenario: 'oom-slow-leak' },
  { scenario: 'oom-startup' },
  { scenario: 'oom-spike' },
  { scenario: 'misfit' },
  { scenario: 'mixed', nodes: 12 },
];

const TARGET = 0.95;
const here = dirname(fileURLToPath(import.meta.url));

interface BacktestModule {
  runBacktest(options: { scenarios?: string[] }): Promise<unknown>;
  formatBacktest(report: unknown): string;
}

async function runBacktestIfPresent(scenarios: string[] | undefined): Promise<unknown> {
  const path = join(here, 'backtest.ts');
  if (!existsSync(path)) return undefined;
  const backtest = (await import(pathToFileURL(path).href)) as BacktestModule;
  const report = await backtest.runBacktest(scenarios ? { scenarios } : {});
  process.stdout.write(`\n${backtest.formatBacktest(report)}\n`);
  return report;
}

function verdicts(results: readonly ScenarioResult[]): string[] {
  const problems: string[] = [];
  for (const kind of ['node_memory_flapping', 'oom_loop'] as const) {
    const t = totals(results, kind);
    if (t.precision !== null && t.precision < TARGET)
      problems.push(`${kind} precision ${t.precision.toFixed(2)} < ${TARGET}`);
    if (t.recall !== null && t.recall < TARGET)
      problems.push(`${kind} recall ${t.recall.toFixed(2)} < ${TARGET}`);
  }
  const healthy = results.find((r) => r.scenario === 'healthy');
  if (healthy && healthy.findings > 0) problems.push(`healthy raised ${healthy.findings} findings`);
  return problems;
}

async function main(argv: readonly string[]): Promise<number> {
  const names = argv.flatMap((arg, i) => (argv[i - 1] === '--scenario' ? [arg] : []));
  const selected =
    names.length > 0 ? EVAL_SCENARIOS.filter((s) => names.includes(s.scenario)) : EVAL_SCENARIOS;
  const results: ScenarioResult[] = [];
  for (const spec of selected) {
    process.stderr.write(`eval: ${spec.scenario} ...\n`);
    results.push(await evaluateScenario(spec));
  }
  const markdown = formatMarkdown(results);
  process.stdout.write(
    argv.includes('--json') ? JSON.stringify(results, null, 2) + '\n' : markdown,
  );
  let backtest: unknown;
  try {
    backtest = await runBacktestIfPresent(names.length > 0 ? names : undefined);
  } catch (error) {
    process.stderr.write(
      `eval: backtest failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  await mkdir(join(here, 'results'), { recursive: true });
  await writeFile(
    join(here, 'results', 'latest.json'),
    JSON.stringify({ generatedAt: new Date().toISOString(), results, backtest }, null, 2) + '\n',
  );
  const problems = verdicts(results);
  for (const problem of problems) process.stderr.write(`eval: FAIL ${problem}\n`);
  return problems.length > 0 ? 1 : 0;
}

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
