// The evaluation as Markdown: one table per analyzer with a row per scenario and path (the live
// replay and the Prometheus path at each scrape interval, side by side) and a total per path, the
// OOM-loop class confusion per path, then the detail an engineer needs to act on a regression
// (false alarms, misses, an example finding).
import {
  FOUND_CLASSES,
  TRUE_CLASSES,
  type AnalyzerScore,
  type ClassConfusion,
  type FoundClass,
  type TrueClass,
} from './match.js';
import type { ScenarioResult } from './evaluate.js';

export interface Totals {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number | null;
  readonly recall: number | null;
}

const KIND_TITLES: Record<AnalyzerScore['kind'], string> = {
  node_memory_flapping: 'Memory-pressure node flapping',
  oom_loop: 'OOM loops',
};

export function totals(results: readonly ScenarioResult[], kind: AnalyzerScore['kind']): Totals {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let truths = 0;
  for (const r of results) {
    const s = r.scores.find((x) => x.kind === kind);
    if (!s) continue;
    tp += s.tp;
    fp += s.fp;
    fn += s.fn;
    truths += s.truths;
  }
  return {
    tp,
    fp,
    fn,
    precision: tp + fp === 0 ? null : tp / (tp + fp),
    recall: truths === 0 ? null : (truths - fn) / truths,
  };
}

/** The confusion tables of several results added up. */
export function classTotals(results: readonly ScenarioResult[]): ClassConfusion {
  const row = () =>
    Object.fromEntries(FOUND_CLASSES.map((c) => [c, 0])) as Record<FoundClass, number>;
  const table = Object.fromEntries(TRUE_CLASSES.map((c) => [c, row()])) as Record<
    TrueClass,
    Record<FoundClass, number>
  >;
  const noLoop = row();
  let found = 0;
  let correct = 0;
  for (const r of results) {
    for (const t of TRUE_CLASSES)
      for (const f of FOUND_CLASSES) table[t][f] += r.oomClasses.table[t][f];
    for (const f of FOUND_CLASSES) noLoop[f] += r.oomClasses.noLoop[f];
    found += r.oomClasses.found;
    correct += r.oomClasses.correct;
  }
  return { table, noLoop, found, correct, accuracy: found === 0 ? null : correct / found };
}

const num = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));

export function minutes(ms: number | null): string {
  if (ms === null) return 'n/a';
  return ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`;
}

/** "live, 5 min" / "prometheus, 1 min": the path and its scrape interval. */
export function pathLabel(r: Pick<ScenarioResult, 'via' | 'stepMs'>): string {
  const step = r.stepMs % 60_000 === 0 ? `${r.stepMs / 60_000} min` : `${r.stepMs / 1000} s`;
  return `${r.via}, ${step}`;
}

/** Distinct paths in the order they first appear. */
export function pathsOf(results: readonly ScenarioResult[]): string[] {
  return [...new Set(results.map(pathLabel))];
}

const CLASS_TITLES: Record<FoundClass, string> = {
  slow_leak: 'slow leak',
  startup: 'start-up',
  load_spike: 'load spike',
  limit_too_low: 'limit too low',
  unknown: 'unknown',
  none: 'not found',
};

function confusionTable(c: ClassConfusion): string[] {
  const lines = [
    `| planted ↓ / found → | ${FOUND_CLASSES.map((f) => CLASS_TITLES[f]).join(' | ')} |`,
    `|---|${FOUND_CLASSES.map(() => '---:').join('|')}|`,
  ];
  for (const t of TRUE_CLASSES) {
    lines.push(
      `| ${CLASS_TITLES[t]} | ${FOUND_CLASSES.map((f) => (f === t ? `**${c.table[t][f]}**` : String(c.table[t][f]))).join(' | ')} |`,
    );
  }
  lines.push(
    `| no loop planted | ${FOUND_CLASSES.map((f) => (f === 'none' ? '—' : String(c.noLoop[f]))).join(' | ')} |`,
  );
  return lines;
}

export function formatMarkdown(results: readonly ScenarioResult[]): string {
  const lines: string[] = ['# Analyzer evaluation', ''];
  const paths = pathsOf(results);
  const ordered = [...results].sort(
    (a, b) =>
      scenarioOrder(results, a) - scenarioOrder(results, b) ||
      paths.indexOf(pathLabel(a)) - paths.indexOf(pathLabel(b)),
  );
  const batches = [...new Set(results.map((r) => minutes(r.chunkMs)))].join(' or ');
  lines.push(
    `Every scenario of the simulator for a week into a fresh in-memory store; the runner judges in data time after each ingest batch (${batches} of data) that brings transitions, kills or memory events, and every 30 minutes otherwise. Findings are matched to the ground truth (flapping by node, OOM loops by workload, container and kind).`,
    '',
  );
  if (results.some((r) => r.via === 'live'))
    lines.push(
      '- **live**: the simulator replayed straight into the store (Node and Pod objects, Events, terminations, logs, usage at the given scrape interval).',
    );
  if (results.some((r) => r.via === 'prometheus'))
    lines.push(
      '- **prometheus**: the scenario exported as OpenMetrics at the scrape interval, loaded with `promtool tsdb create-blocks-from openmetrics` into a private Prometheus, and read back only by the prometheus collector (query_range backfill at the same step) through the in-process bus and the ingest consumer.',
    );
  lines.push('');
  for (const kind of ['node_memory_flapping', 'oom_loop'] as const) {
    const loops = kind === 'oom_loop';
    lines.push(`## ${KIND_TITLES[kind]}`, '');
    lines.push(
      `| scenario | path | truths | findings | TP | FP | FN | precision | recall | median time to detect |${loops ? ' class accuracy |' : ''}`,
    );
    lines.push(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|${loops ? '---:|' : ''}`);
    for (const r of ordered) {
      const s = r.scores.find((x) => x.kind === kind);
      if (!s) continue;
      const accuracy = loops
        ? ` ${r.oomClasses.found === 0 ? 'n/a' : `${r.oomClasses.correct}/${r.oomClasses.found}`} |`
        : '';
      lines.push(
        `| ${r.scenario} | ${pathLabel(r)} | ${s.truths} | ${s.findings} | ${s.tp} | ${s.fp} | ${s.fn} | ${num(s.precision)} | ${num(s.recall)} | ${minutes(s.medianTtdMs)} |${accuracy}`,
      );
    }
    for (const path of paths) {
      const mine = results.filter((r) => pathLabel(r) === path);
      const t = totals(mine, kind);
      const c = classTotals(mine);
      lines.push(
        `| **all** | ${path} | | | ${t.tp} | ${t.fp} | ${t.fn} | ${num(t.precision)} | ${num(t.recall)} | |${loops ? ` ${num(c.accuracy)} |` : ''}`,
      );
    }
    lines.push('');
    lines.push(
      loops
        ? 'Time to detect is measured from the second kill of a loop. A loop found with the wrong class counts as a false alarm and a miss; class accuracy is correct / found, whatever the class.'
        : 'Time to detect is measured from the first cycle of each flapping episode. Only memory flapping is scored: a node flipping NotReady without memory evidence is reported as `not_ready` and counts as neither a hit nor an alarm.',
      '',
    );
  }
  lines.push('## OOM-loop classes', '');
  lines.push(
    'Each planted loop against the category of the first finding raised on its container, all scenarios together; no scenario plants a "limit too low" loop yet.',
    '',
  );
  for (const path of paths) {
    const c = classTotals(results.filter((r) => pathLabel(r) === path));
    lines.push(`### ${path} — accuracy ${num(c.accuracy)} (${c.correct}/${c.found})`, '');
    lines.push(...confusionTable(c), '');
  }
  lines.push('## Details', '');
  for (const r of ordered) {
    const loops = r.scores.find((s) => s.kind === 'oom_loop');
    const leak = loops?.items.find((i) => i.kind === 'slow_leak');
    const prep = Object.entries(r.timings)
      .map(([k, v]) => `${k.replace(/Ms$/, '')} ${(v / 1000).toFixed(1)} s`)
      .join(', ');
    lines.push(
      `- **${r.scenario}** via ${pathLabel(r)} (${r.nodes} nodes, ${r.pods} pods, ${r.runs} analysis runs, ${(r.durationMs / 1000).toFixed(1)} s${prep ? `: ${prep}` : ''}): ${r.findings} findings` +
        (leak ? `; slow leak detected after kill #${leak.detectedAfterKill ?? 'never'}` : ''),
    );
    lines.push(
      `  - records: ${Object.entries(r.records)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    lines.push(`  - ${agreementLine(r)}`);
    for (const s of r.scores) {
      for (const alarm of s.falseAlarms) lines.push(`  - false alarm: ${alarm}`);
      for (const miss of s.missed) lines.push(`  - missed: ${miss}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** One row per variant: what it varies, and how each analyzer and the OOM classes fared. */
export function formatVariants(
  results: readonly ScenarioResult[],
  catalog: readonly { name: string; description: string; degraded?: string }[],
): string {
  const lines = [
    '## Variants (prometheus path)',
    '',
    'Small clusters exported in the dialects and with the gaps real clusters have, each at its own scrape interval; flapping and OOM loops as precision / recall (TP FP FN), OOM classes as correct / found.',
    '',
    '| variant | what it varies | scrape | days | flapping | OOM loops | OOM classes |',
    '|---|---|---:|---:|---|---|---:|',
  ];
  const cell = (r: ScenarioResult, kind: AnalyzerScore['kind']) => {
    const s = r.scores.find((x) => x.kind === kind);
    if (!s || s.truths + s.findings === 0) return 'none planted, none found';
    return `${num(s.precision)} / ${num(s.recall)} (${s.tp} ${s.fp} ${s.fn})`;
  };
  const notes: string[] = [];
  for (const r of results) {
    const v = catalog.find((c) => c.name === r.variant);
    const days = (r.window.to - r.window.from) / 86_400_000;
    lines.push(
      `| ${r.variant ?? r.scenario}${v?.degraded ? ' †' : ''} | ${v?.description ?? r.scenario} | ${r.stepMs / 1000} s | ${days} | ${cell(r, 'node_memory_flapping')} | ${cell(r, 'oom_loop')} | ${r.oomClasses.found === 0 ? 'n/a' : `${r.oomClasses.correct}/${r.oomClasses.found}`} |`,
    );
    notes.push(`- ${r.variant}: ${agreementLine(r)}`);
    if (v?.degraded) notes.push(`† ${r.variant}: not held to the targets — ${v.degraded}.`);
    for (const s of r.scores) {
      for (const alarm of s.falseAlarms) notes.push(`- ${r.variant}: false alarm: ${alarm}`);
      for (const miss of s.missed) notes.push(`- ${r.variant}: missed: ${miss}`);
    }
  }
  return [...lines, '', ...notes, ''].join('\n');
}

/** What every analyzer's open findings said together at the end of the window. */
function agreementLine(r: ScenarioResult): string {
  const { openFindings, disagreements, unwindowedCounts } = r.agreement;
  const contradictions = disagreements.map(
    (d) =>
      `${d.subject} ${d.resource}: ${d.a.kind} ${d.a.direction} vs ${d.b.kind} ${d.b.direction}`,
  );
  return (
    `one voice: ${openFindings} open findings of every analyzer, ${disagreements.length} contradicting, ${unwindowedCounts.length} kill counts without a window` +
    [...contradictions, ...unwindowedCounts].map((x) => `; ${x}`).join('')
  );
}

function scenarioOrder(results: readonly ScenarioResult[], r: ScenarioResult): number {
  return results.findIndex((x) => x.scenario === r.scenario);
}
