// Findings pushed to Alertmanager's v2 API (POST /api/v2/alerts), the way Prometheus pushes its
// alerts: every active finding is re-sent each interval with endsAt a few intervals ahead, so
// Alertmanager keeps it firing while Plimsoll is alive and resolves it by itself if Plimsoll dies;
// a finding that resolves (or disappears) is sent once more with endsAt = now, which makes
// Alertmanager send the resolved notification. Labels carry what routing needs: severity, team,
// namespace, cluster, kind.
import type { Finding, FindingKind, Severity } from '../core/domain.js';
import type { Logger } from '../core/logger.js';
import type { FindingStore } from '../store/store.js';
import { postJson, safeTarget, type RetryPolicy } from './receivers/delivery.js';
import { runbookUrl } from './rules.js';
import type { TeamResolver } from './teams.js';

/** An alert as Alertmanager's v2 API takes it (postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** Alert names match the rules file, so routes and inhibitions work for either source. */
export const ALERT_NAMES: Readonly<Record<FindingKind, string>> = {
  node_memory_flapping: 'PlimsollNodeMemoryFlapping',
  oom_loop: 'PlimsollOomLoop',
  requests_misfit: 'PlimsollRequestsMisfit',
  node_capacity_misfit: 'PlimsollNodeCapacityMisfit',
  recommendation: 'PlimsollRecommendation',
};

/** What is worth an alert by default: the problems on-call acts on, not savings. */
export const DEFAULT_ALERT_KINDS: readonly FindingKind[] = [
  'node_memory_flapping',
  'oom_loop',
  'node_capacity_misfit',
];

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** The URL of a finding in the API: generatorURL, and the link in every notification. */
export function findingUrl(apiBaseUrl: string, id: string): string {
  return `${apiBaseUrl.replace(/\/+$/, '')}/api/v1/findings/${encodeURIComponent(id)}`;
}

/** Routing labels of a finding; bounded by the subject, stable for the finding's life. */
export function findingLabels(finding: Finding, team: string): Record<string, string> {
  const labels: Record<string, string> = {
    alertname: ALERT_NAMES[finding.kind],
    severity: finding.severity,
    team,
    cluster: finding.subject.cluster,
    kind: finding.kind,
    finding_id: finding.id,
    source: 'plimsoll',
  };
  if (finding.category) labels.category = finding.category;
  const s = finding.subject;
  if (s.type === 'node') labels.node = s.node;
  if (s.type === 'workload' || s.type === 'workload_container') {
    labels.namespace = s.workload.namespace;
    labels.workload = s.workload.name;
    labels.workload_type = s.workload.kind.toLowerCase();
  }
  if (s.type === 'workload_container') labels.container = s.container;
  return labels;
}

export interface AlertContext {
  readonly team: string;
  readonly apiBaseUrl: string;
  readonly now: number;
  /** endsAt of an active finding: now + this. */
  readonly holdMs: number;
  readonly runbookBaseUrl?: string;
}

export function findingAlert(finding: Finding, context: AlertContext): PostableAlert {
  const url = findingUrl(context.apiBaseUrl, finding.id);
  const labels = findingLabels(finding, context.team);
  const alertname = labels.alertname ?? ALERT_NAMES[finding.kind];
  const ended = finding.status === 'resolved';
  return {
    labels,
    annotations: {
      summary: finding.title,
      description: finding.explanation,
      recommendation: finding.recommendation,
      finding_url: url,
      runbook_url: runbookUrl(alertname, context.runbookBaseUrl),
    },
    startsAt: new Date(finding.firstSeen).toISOString(),
    endsAt: new Date(
      ended ? (finding.resolvedAt ?? context.now) : context.now + context.holdMs,
    ).toISOString(),
    generatorURL: url,
  };
}

export interface AlertmanagerPushOptions {
  /** Alertmanager base URL, e.g. http://alertmanager:9093 (several for an HA pair). */
  readonly alertmanagerUrls: readonly string[];
  /** Open findings now; the pusher resolves the ones it sent before that are no longer here. */
  readonly source: () => Promise<Finding[]>;
  readonly teams: TeamResolver;
  /** Where users reach the API; generatorURL and links point there. */
  readonly apiBaseUrl: string;
  readonly kinds?: readonly FindingKind[];
  readonly minSeverity?: Severity;
  readonly resendIntervalMs?: number;
  readonly runbookBaseUrl?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface PushResult {
  readonly firing: number;
  readonly resolved: number;
}

export class AlertmanagerPusher {
  /** Alerts sent as firing, by finding id: what must be resolved when a finding goes away. */
  private readonly active = new Map<string, PostableAlert>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly resendMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AlertmanagerPushOptions) {
    if (options.alertmanagerUrls.length === 0) throw new Error('no Alertmanager URL configured');
    for (const url of options.alertmanagerUrls) new URL(url);
    this.resendMs = options.resendIntervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Sends every active finding and resolves the ones that went away. */
  async push(): Promise<PushResult> {
    const now = this.now();
    const kinds = new Set(this.options.kinds ?? DEFAULT_ALERT_KINDS);
    const min = SEVERITY_RANK[this.options.minSeverity ?? 'warning'];
    this.options.teams.clear();
    const findings = (await this.options.source()).filter(
      (f) => kinds.has(f.kind) && SEVERITY_RANK[f.severity] >= min,
    );
    const alerts: PostableAlert[] = [];
    const seen = new Set<string>();
    // Three missed re-sends before Alertmanager resolves on its own, as Prometheus does (4x).
    const holdMs = 3 * this.resendMs;
    for (const finding of findings) {
      const team = await this.options.teams.teamOf(finding);
      const alert = findingAlert(finding, {
        team,
        apiBaseUrl: this.options.apiBaseUrl,
        now,
        holdMs,
        ...(this.options.runbookBaseUrl ? { runbookBaseUrl: this.options.runbookBaseUrl } : {}),
      });
      alerts.push(alert);
      seen.add(finding.id);
    }
    const ending: PostableAlert[] = [];
    for (const [id, alert] of this.active) {
      if (!seen.has(id)) ending.push({ ...alert, endsAt: new Date(now).toISOString() });
    }
    const batch = [...alerts, ...ending];
    if (batch.length > 0) await this.send(batch);
    for (const alert of alerts) {
      const id = alert.labels.finding_id!;
      if (Date.parse(alert.endsAt) > now) this.active.set(id, alert);
      else this.active.delete(id);
    }
    for (const alert of ending) this.active.delete(alert.labels.finding_id!);
    const firing = alerts.filter((a) => Date.parse(a.endsAt) > now).length;
    return { firing, resolved: batch.length - firing };
  }

  /** Pushes now and then every resend interval until stop(); failures are logged, not thrown. */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.push().then(
        (result) => this.options.logger.debug(result, 'alerts pushed to Alertmanager'),
        (error: unknown) =>
          this.options.logger.warn(
            { err: { message: (error as Error).message } },
            'pushing alerts to Alertmanager failed; retrying next interval',
          ),
      );
    };
    tick();
    this.timer = setInterval(tick, this.resendMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async send(batch: PostableAlert[]): Promise<void> {
    // Every Alertmanager of an HA pair gets every alert; they deduplicate among themselves.
    const results = await Promise.allSettled(
      this.options.alertmanagerUrls.map((base) =>
        postJson(`${base.replace(/\/+$/, '')}/api/v2/alerts`, batch, {
          ...(this.options.retry ? { retry: this.options.retry } : {}),
        }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length === results.length) {
      throw new Error(
        `no Alertmanager accepted the alerts: ${failed.map((r) => String(r.reason)).join('; ')}`,
      );
    }
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') {
        this.options.logger.warn(
          { target: safeTarget(this.options.alertmanagerUrls[i] ?? '') },
          'one Alertmanager refused the alerts',
        );
      }
    }
  }
}

/** Open findings of the given kinds from the store, every page. */
export function openFindings(
  store: Pick<FindingStore, 'findings'>,
  cluster: string | undefined,
  kinds: readonly FindingKind[] = DEFAULT_ALERT_KINDS,
  max = 10_000,
): () => Promise<Finding[]> {
  return async () => {
    const out: Finding[] = [];
    let after: string | undefined;
    do {
      const page = await store.findings({ cluster, kinds, status: 'open', limit: 500, after });
      out.push(...page.items);
      after = page.next;
    } while (after !== undefined && out.length < max);
    return out;
  };
}
