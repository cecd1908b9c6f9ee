// The backtest as Markdown: one table per scenario, one row per strategy, for the README.
import type { BacktestReport } from './report.js';

const GIB = 2 ** 30;

export function formatBacktest(report: BacktestReport): string {
  const lines: string[] = [];
  lines.push(
    `Fit on days 1–${report.fitDays}, replay days ${report.fitDays + 1}–${report.fitDays + report.replayDays}; fit read ${report.via === 'prometheus' ? 'back from a real Prometheus by the prometheus collector' : "from the simulator's replay"}, replay scored against what the cluster did; usage sampled every ${report.stepMs / 1000} s; simulator seed ${report.seed}.`,
    '',
  );
  for (const scenario of report.scenarios) {
    lines.push(
      `**${scenario.scenario}** (${scenario.nodes} nodes, ${scenario.containersCompared} workload containers every strategy sized; ${scenario.skipped} skipped: not enough data to size, or gone by the replay week)`,
      '',
      '| strategy | would-be OOM kills | (5-min windows over limit + uncovered kills) | containers with OOMs | CPU above request | memory above request | reserved CPU (cores) | reserved memory (GiB) | cost/month |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of scenario.scores) {
      lines.push(
        `| ${s.strategy} | ${s.wouldBeOomKills} | ${s.oomWindows} + ${s.uncoveredKills} | ${s.containersWithOoms} | ${pct(s.cpuAboveRequest)} | ${pct(s.memoryAboveRequest)} | ${s.reservedCpuCores.toFixed(2)} | ${(s.reservedMemoryBytes / GIB).toFixed(2)} | $${Math.round(s.monthlyCost)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
