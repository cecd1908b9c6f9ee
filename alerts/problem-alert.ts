// One alert of one problem, in the form every sink reads: the labels routing and inhibition match
// on, the words a person reads, and the links to the finding and the runbook. The labels are the
// ones the Prometheus rules give the same problem (alerts/rules.ts), so Alertmanager routes,
// groups and inhibits pushed findings and rule alerts alike.
import type { Finding, Severity } from '../core/domain.js';
import { DEFAULT_RUNBOOK_BASE_URL } from '../core/config/schema.js';
import { ROUTE_SEVERITY, type AlertDecision, type AlertRoute } from './policy.js';

export interface ProblemAlert {
  /** The alert's identity across cycles: one finding, one route. */
  readonly key: string;
  readonly alertname: string;
  readonly route: AlertRoute;
  readonly severity: Severity;
  readonly team: string;
  readonly finding: Finding;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly findingUrl: string;
  readonly runbookUrl: string;
  readonly reason: string;
}

export interface AlertLinks {
  /** Where users reach the API: the finding link of every alert. */
  readonly apiBaseUrl: string;
  readonly runbookBaseUrl?: string | undefined;
}

/**
 * The page of a finding (its JSON is at /api/v1/findings/:id): generatorURL, and the link in
 * every notification, so on-call lands on words and charts rather than raw JSON.
 */
export function findingUrl(apiBaseUrl: string, id: string): string {
  return `${apiBaseUrl.replace(/\/+$/, '')}/ui/findings/${encodeURIComponent(id)}`;
}

/** The runbook of an alert: a page of its own, docs/runbooks/<alertname>.md. */
export function runbookUrl(alertname: string, base = DEFAULT_RUNBOOK_BASE_URL): string {
  return `${base.replace(/\/+$/, '')}/${alertname}.md`;
}

/**
 * Routing labels of one alert of a finding; bounded by the subject and stable for the finding's
 * life. The loop's category stays out of the labels (it can change as more kills are classified,
 * and a label change would be a new alert); it is an annotation.
 */
export function alertLabels(
  finding: Finding,
  alertname: string,
  route: AlertRoute,
  team: string,
): Record<string, string> {
  const labels: Record<string, string> = {
    alertname,
    severity: ROUTE_SEVERITY[route],
    route,
    team,
    cluster: finding.subject.cluster,
    kind: finding.kind,
    finding_id: finding.id,
    source: 'plimsoll',
  };
  const s = finding.subject;
  if (s.type === 'node') labels.node = s.node;
  if (s.type === 'workload' || s.type === 'workload_container') {
    labels.namespace = s.workload.namespace;
    labels.workload = s.workload.name;
    // kubernetes-mixin spells the owner kind in lower case, as the exported metrics do.
    labels.workload_type = s.workload.kind.toLowerCase();
  }
  if (s.type === 'workload_container') labels.container = s.container;
  return labels;
}

/** The alerts of one decided problem, owned by `team`. */
export function problemAlerts(
  decision: AlertDecision,
  team: string,
  links: AlertLinks,
): ProblemAlert[] {
  const { finding, alertname } = decision;
  const url = findingUrl(links.apiBaseUrl, finding.id);
  const runbook = runbookUrl(alertname, links.runbookBaseUrl);
  return decision.alerts.map(({ route }) => {
    const annotations: Record<string, string> = {
      summary: finding.title,
      description: finding.explanation,
      recommendation: finding.recommendation,
      reason: decision.reason,
      finding_url: url,
      runbook_url: runbook,
    };
    if (finding.category) annotations.category = finding.category;
    return {
      key: `${finding.id}/${route}`,
      alertname,
      route,
      severity: ROUTE_SEVERITY[route],
      team,
      finding,
      labels: alertLabels(finding, alertname, route, team),
      annotations,
      findingUrl: url,
      runbookUrl: runbook,
      reason: decision.reason,
    };
  });
}
