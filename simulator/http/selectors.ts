// Label and field selectors as the API server parses them (the subset clients use).

type Requirement = (values: Record<string, string>) => boolean;

/** Parses a label selector: k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b). */
export function parseLabelSelector(text: string | null): Requirement {
  if (!text) return () => true;
  const parts = splitTopLevel(text);
  const reqs: Requirement[] = parts.map((raw) => {
    const part = raw.trim();
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      const key = m[1] ?? '';
      const set = new Set((m[3] ?? '').split(',').map((s) => s.trim()));
      const negate = m[2] === 'notin';
      return (l) => (key in l && set.has(l[key] ?? '')) !== negate;
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(part);
    if (m) {
      const key = m[1] ?? '';
      const value = m[3] ?? '';
      return m[2] === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    m = /^(!?)([\w./-]+)$/.exec(part);
    if (m) {
      const key = m[2] ?? '';
      return m[1] === '!' ? (l) => !(key in l) : (l) => key in l;
    }
    throw new SelectorError(`unable to parse requirement: ${part}`);
  });
  return (labels) => reqs.every((r) => r(labels));
}

/** Parses a field selector: f=v, f==v, f!=v, comma-separated. */
export function parseFieldSelector(text: string | null): Requirement {
  if (!text) return () => true;
  const reqs: Requirement[] = text.split(',').map((raw) => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(raw.trim());
    if (!m) throw new SelectorError(`invalid field selector: ${raw}`);
    const key = m[1] ?? '';
    const value = m[3] ?? '';
    return m[2] === '!=' ? (f) => f[key] !== value : (f) => f[key] === value;
  });
  return (fields) => reqs.every((r) => r(fields));
}

export class SelectorError extends Error {}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}
