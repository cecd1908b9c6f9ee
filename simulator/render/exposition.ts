// Prometheus text exposition (format 0.0.4): families with HELP/TYPE, escaped label values.

export type MetricType = 'gauge' | 'counter' | 'untyped';
export type Labels = Record<string, string>;

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',')}}`;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isInteger(v) && Math.abs(v) >= 1e21) return v.toExponential();
  return String(v);
}

/** Accumulates one scrape's families in order; each family's samples stay contiguous. */
export class Exposition {
  private readonly families = new Map<
    string,
    { help: string; type: MetricType; lines: string[] }
  >();

  family(
    name: string,
    help: string,
    type: MetricType,
  ): (labels: Labels, value: number, timestampMs?: number) => void {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, lines: [] };
      this.families.set(name, f);
    }
    const lines = f.lines;
    return (labels, value, timestampMs) => {
      lines.push(
        `${name}${labelText(labels)} ${formatValue(value)}${timestampMs === undefined ? '' : ` ${Math.floor(timestampMs)}`}`,
      );
    };
  }

  /** The scrape in pieces (one family at a time), so large scrapes can be streamed. */
  *chunks(): Generator<string> {
    for (const [name, f] of this.families) {
      yield `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n`;
      for (let i = 0; i < f.lines.length; i += 4096)
        yield f.lines.slice(i, i + 4096).join('\n') + '\n';
    }
  }

  text(): string {
    let out = '';
    for (const chunk of this.chunks()) out += chunk;
    return out;
  }
}
