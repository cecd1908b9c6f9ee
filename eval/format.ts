// The evaluation as Markdown: one table per analyzer with a row per scenario and a total, then
// the detail an engineer needs to act on a regression (false alarms, misses, an example finding).
import type { AnalyzerScore } from './match.js';
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

const num = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));

export function minutes(ms: number | null): string {
  if (ms === null) return 'n/a';
  return ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`;
}

export function formatMarkdown(results: readonly ScenarioResult[]): string {
  const lines: string[] = ['# Analyzer evaluation', ''];
  lines.push(
    'Every scenario of the simulator replayed for a week into a fresh in-memory store; the runner judges after each 10-minute ingest batch that brings transitions, kills or memory events, and every 30 minutes otherwise. Findings are matched to the ground truth (flapping by node, OOM loops by workload, container and kind).',
    '',
  );
  for (const kind of ['node_memory_flapping', 'oom_loop'] as const) {
    lines.push(`## ${KIND_TITLES[kind]}`, '');
    lines.push(
      '| scenario | truths | findings | TP | FP | FN | precision | recall | median time to detect |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const s = r.scores.find((x) => x.kind === kind);
      if (!s) continue;
      lines.push(
        `| ${r.scenario} | ${s.truths} | ${s.findings} | ${s.tp} | ${s.fp} | ${s.fn} | ${num(s.precision)} | ${num(s.recall)} | ${minutes(s.medianTtdMs)} |`,
      );
    }
    const t = totals(results, kind);
    lines.push(
      `| **all** | | | ${t.tp} | ${t.fp} | ${t.fn} | ${num(t.precision)} | ${num(t.recall)} | |`,
      '',
    );
    lines.push(
      kind === 'oom_loop'
        ? 'Time to detect is measured from the second kill of a loop.'
        : 'Time to detect is measured from the first cycle of each flapping episode.',
      '',
    );
  }
  lines.push('## Details', '');
  for (const r of results) {
    const loops = r.scores.find((s) => s.kind === 'oom_loop');
    const leak = loops?.items.find((i) => i.kind === 'slow_leak');
    lines.push(
      `- **${r.scenario}** (${r.nodes} nodes, ${r.pods} pods, ${r.runs} analysis runs, ${(r.durationMs / 1000).toFixed(1)} s): ${r.findings} findings` +
        (leak ? `; slow leak detected after kill #${leak.detectedAfterKill ?? 'never'}` : ''),
    );
    for (const s of r.scores) {
      for (const alarm of s.falseAlarms) lines.push(`  - false alarm: ${alarm}`);
      for (const miss of s.missed) lines.push(`  - missed: ${miss}`);
    }
  }
  return lines.join('\n') + '\n';
}
