// A Kubernetes equality-based label selector (`app=cart,tier!=batch`) applied to the pods a
// Prometheus history describes. kube-state-metrics exports pod labels on kube_pod_labels with
// sanitised names (`app.kubernetes.io/name` → `label_app_kubernetes_io_name`), and only the
// labels its --metric-labels-allowlist names; the selector is matched against those names.

export interface LabelRequirement {
  /** The label key as the user wrote it. */
  readonly key: string;
  /** The key as kube-state-metrics exports it (without `label_`). */
  readonly exported: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

// Kubernetes label keys: an optional DNS prefix and a name of up to 63 characters.
const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** The name kube-state-metrics gives a label key (its SanitizeLabelName). */
export const exportedLabelName = (key: string) => key.replace(/[^a-zA-Z0-9_]/g, '_');

/** Parses `k=v,k2==v2,k3!=v3`; every mistake at once, in one SelectorError. */
export function parseSelector(text: string): LabelRequirement[] {
  const requirements: LabelRequirement[] = [];
  const problems: string[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const match = /^([^=!]+?)\s*(!=|==|=)\s*(.*)$/.exec(part);
    if (!match) {
      problems.push(
        `"${part}" is not key=value or key!=value (set-based selectors such as "in" are not supported)`,
      );
      continue;
    }
    const [, key, op, value] = match as unknown as [string, string, string, string];
    if (!KEY.test(key)) problems.push(`"${key}" is not a label key`);
    if (!VALUE.test(value)) problems.push(`"${value}" is not a label value (key ${key})`);
    requirements.push({
      key,
      exported: exportedLabelName(key),
      operator: op === '!=' ? '!=' : '=',
      value,
    });
  }
  if (problems.length > 0) throw new SelectorError(`--selector: ${problems.join('; ')}`);
  if (requirements.length === 0) throw new SelectorError('--selector: no requirement given');
  return requirements;
}

/** Whether a pod's exported labels satisfy every requirement (a missing label is ""). */
export function selects(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirements.every((r) =>
    r.operator === '=' ? labels[r.exported] === r.value : labels[r.exported] !== r.value,
  );
}

export function selectorText(requirements: readonly LabelRequirement[]): string {
  return requirements.map((r) => `${r.key}${r.operator}${r.value}`).join(',');
}
