// The results as Markdown: one table per suite (figures, then ratios to baselines, then targets).
import { summarize, type MachineDescription, type SuiteResult } from './harness.js';

export interface BenchReport {
  readonly date: string;
  readonly machine: MachineDescription;
  readonly repeats: number;
  readonly quick: boolean;
  readonly durationSeconds: number;
  readonly suites: readonly SuiteResult[];
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [
    `# Benchmark results, ${report.date.slice(0, 10)}`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; ${m.kafka}; ${m.elasticsearch}.`,
    `Each figure over ${report.repeats} repetition(s): min / median / max. Run took ${report.durationSeconds} s${report.quick ? ' (quick sizes)' : ''}.`,
    '',
  ];
  for (const suite of report.suites) {
    lines.push(`## ${suite.suite}`, '', suite.description, '');
    const parameters = Object.entries(suite.parameters)
      .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
      .join(', ');
    if (parameters) lines.push(`Parameters: ${parameters}.`, '');
    lines.push(
      row(['figure', 'unit', 'min', 'median', 'max']),
      row(['---', '---', '---:', '---:', '---:']),
    );
    for (const figure of suite.figures) {
      const s = summarize(figure.values);
      lines.push(
        row([
          figure.name,
          figure.unit,
          formatNumber(s.min),
          formatNumber(s.median),
          formatNumber(s.max),
        ]),
      );
    }
    if (suite.ratios.length > 0) {
      lines.push(
        '',
        row(['ratio', 'of', 'to', 'min', 'median', 'max']),
        row(['---', '---', '---', '---:', '---:', '---:']),
      );
      for (const r of suite.ratios) {
        const s = summarize(r.values);
        lines.push(
          row([
            r.name,
            r.numerator,
            r.denominator,
            formatNumber(s.min),
            formatNumber(s.median),
            formatNumber(s.max),
          ]),
        );
      }
    }
    if (suite.targets.length > 0) {
      lines.push('', row(['target', 'measured (median)', 'met']), row(['---', '---', '---']));
      for (const t of suite.targets) lines.push(row([t.goal, t.measured, t.met ? 'yes' : 'no']));
    }
    for (const note of suite.notes) lines.push('', `- ${note}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
