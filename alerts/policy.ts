// Which findings reach a human, how urgently and for how long: the paging policy shared by the
// Alertmanager push and the direct receivers, and mirrored by the Prometheus rules.
//
// One problem is one finding (one id). Its alerts carry the finding's alert name and a route:
//   page   (severity critical) needs a human now: a node flapping now, an OOM loop that formed in
//          the last hour, a loop whose containers started dying faster in the last hour;
//   ticket (severity warning)  an OOM loop for its whole life; a burst of error lines. While a page of the same problem
//          fires, Alertmanager's inhibition (or the direct notifier) holds the ticket back, so the
//          on-call engineer hears one voice: the page, then the ticket once the page ends;
//   report (severity info)     capacity and configuration findings, when enabled. Never a page.
//
// Decisions are a function of the finding and the clock only, with no memory of earlier pushes:
// a restart, a one-shot `alerts push`, the direct receivers and the rules all decide alike, and
// a history replayed from Prometheus (old kills) never pages.
import type { Finding, FindingKind, Severity } from '../core/domain.js';
import { evidenceOf } from '../core/evidence.js';
import { loopRuleMet } from '../analyzers/oom-loop/rules.js';
import { oomLoopSettings, type LoopRule } from '../analyzers/settings.js';

export type AlertRoute = 'page' | 'ticket' | 'report';

/** The severity label of each route: the kubernetes-mixin convention (critical pages). */
export const ROUTE_SEVERITY: Readonly<Record<AlertRoute, Severity>> = {
  page: 'critical',
  ticket: 'warning',
  report: 'info',
};

/** Alert names match the rules file, so routes and inhibitions work for either source. */
export const ALERT_NAMES: Readonly<Partial<Record<FindingKind, string>>> = {
  node_memory_flapping: 'PlimsollNodeMemoryFlapping',
  oom_loop: 'PlimsollOomLoop',
  requests_misfit: 'PlimsollRequestsMisfit',
  node_capacity_misfit: 'PlimsollNodeCapacityMisfit',
  recommendation: 'PlimsollRecommendation',
  error_burst: 'PlimsollErrorBurst',
};

/** The alert name of a kind; a kind added later gets Plimsoll + its name in CamelCase. */
export function alertNameOf(kind: FindingKind): string {
  return (
    ALERT_NAMES[kind] ??
    `Plimsoll${kind.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}`
  );
}

/** What is alerted by default: the problems on-call acts on. Capacity belongs in the report. */
export const DEFAULT_ALERT_KINDS: readonly FindingKind[] = [
  'node_memory_flapping',
  'oom_loop',
  'error_burst',
];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The runtime builds the OOM-loop analyzer with its defaults; so does this policy. */
const LOOP_DEFAULTS = oomLoopSettings();

export interface PagingOptions {
  /** How long a page lasts after the loop formed or sped up. */
  readonly pageForMs?: number;
  /** Recent runs at most this share of the earlier ones: the loop sped up. */
  readonly fasterRatio?: number;
  /** Runs that used to last longer and now last less than this: the loop sped up. */
  readonly fastRunMs?: number;
  /** Findings whose latest evidence is older than this are history being replayed: no alert. */
  readonly staleAfterMs?: number;
  /** The OOM-loop analyzer's rules, to tell when a loop formed (its defaults when absent). */
  readonly loopRules?: readonly LoopRule[];
  readonly leakMinKills?: number;
}

export const DEFAULT_PAGING = {
  pageForMs: HOUR,
  fasterRatio: 2 / 3,
  fastRunMs: HOUR,
  staleAfterMs: 36 * HOUR,
} as const;

export interface AlertDecision {
  readonly finding: Finding;
  readonly alertname: string;
  /** The alerts the problem has now: a page, a ticket, both while paging, or a report. */
  readonly alerts: readonly { readonly route: AlertRoute }[];
  /** Why it pages or does not, in words for the notification. */
  readonly reason: string;
}

/** The alerts of the open findings at `now`. Findings that follow another open one are left out. */
export function decide(
  open: readonly Finding[],
  now: number,
  options: PagingOptions = {},
): AlertDecision[] {
  const stale = options.staleAfterMs ?? DEFAULT_PAGING.staleAfterMs;
  const ids = new Set(open.map((f) => f.id));
  const out: AlertDecision[] = [];
  for (const finding of open) {
    if (finding.status !== 'open' || now - finding.lastSeen > stale) continue;
    // One problem, one voice: a misfit or recommendation that follows an open OOM loop's verdict
    // is part of that loop's alert, not an alert of its own.
    if (finding.relatedTo !== undefined && ids.has(finding.relatedTo)) continue;
    out.push(decideOne(finding, now, options));
  }
  return out;
}

function decideOne(finding: Finding, now: number, options: PagingOptions): AlertDecision {
  const alertname = alertNameOf(finding.kind);
  const base = { finding, alertname };
  switch (finding.kind) {
    case 'node_memory_flapping':
      // The finding resolves after an hour without a flap: open means flapping now.
      return {
        ...base,
        alerts: [{ route: 'page' }],
        reason: 'The node is flapping now.',
      };
    case 'oom_loop': {
      const pageFor = options.pageForMs ?? DEFAULT_PAGING.pageForMs;
      const escalation = escalationOf(finding, options);
      // A little slack for clocks: a kill stamped slightly ahead of our clock still pages.
      if (escalation && now - escalation.at < pageFor && escalation.at - now < 5 * MINUTE) {
        return {
          ...base,
          alerts: [{ route: 'page' }, { route: 'ticket' }],
          reason: `${escalation.why} It pages until ${new Date(escalation.at + pageFor).toISOString()}, then stays open as a ticket.`,
        };
      }
      return {
        ...base,
        alerts: [{ route: 'ticket' }],
        reason:
          'A ticket: the loop is known and not getting faster. It pages again if its containers start dying faster.',
      };
    }
    case 'error_burst':
      // Panics across replicas or repeated OutOfMemoryError lines need a human now; a burst of
      // errors in one container is what teams used to forward to chat by hand: a ticket.
      return finding.severity === 'critical'
        ? {
            ...base,
            alerts: [{ route: 'page' }],
            reason: 'Errors repeat across replicas or the JVM runs out of heap now.',
          }
        : {
            ...base,
            alerts: [{ route: 'ticket' }],
            reason: 'A burst of error lines in one container.',
          };
    default:
      // Capacity and configuration findings, and any kind without a paging rule of its own.
      return {
        ...base,
        alerts: [{ route: 'report' }],
        reason: 'Capacity and configuration findings are reported, never paged.',
      };
  }
}

export interface Escalation {
  readonly at: number;
  readonly why: string;
}

/** The latest moment an OOM loop needed a human: when it formed, or when it sped up. */
export function escalationOf(
  finding: Finding,
  options: PagingOptions = {},
): Escalation | undefined {
  const formed = becameLoopAt(finding, options);
  const faster = spedUp(finding, options);
  if (faster && (formed === undefined || faster.at >= formed)) return faster;
  if (formed === undefined) return undefined;
  return { at: formed, why: 'A new OOM loop.' };
}

interface Kill {
  readonly at: number;
  readonly pod: string | undefined;
  readonly startedAt: number | undefined;
}

/** The kills in the finding's evidence (the analyzer keeps the latest ones), oldest first. */
export function killsOf(finding: Finding): Kill[] {
  const kills = evidenceOf(finding, 'oom_loop')?.kills ?? [];
  return kills
    .map((kill) => ({ at: kill.at, pod: kill.pod, startedAt: kill.startedAt }))
    .sort((a, b) => a.at - b.at);
}

/**
 * When the episode became a loop, by the analyzer's own rules over the kills in the evidence.
 * The evidence keeps the latest kills only: once it no longer reaches back to the episode's first
 * kill, the loop formed at some point after that first kill, which is then the answer. That is
 * never later than the truth, so a long-running loop is never taken for a new one, and a fast
 * loop (killed every few minutes, whose evidence soon drops its first kills) still pages for
 * about an hour after it began.
 */
export function becameLoopAt(finding: Finding, options: PagingOptions = {}): number | undefined {
  const times = killsOf(finding).map((k) => k.at);
  const start = evidenceOf(finding, 'oom_loop')?.episodeStart ?? finding.window.from;
  if (times.length === 0) return undefined;
  if (times[0]! > start) return start;
  const rules = options.loopRules ?? LOOP_DEFAULTS.rules;
  const leakMinKills = options.leakMinKills ?? LOOP_DEFAULTS.leakMinKills;
  for (let n = 2; n <= times.length; n++) {
    const leak = finding.category === 'slow_leak' && n >= leakMinKills;
    if (leak || loopRuleMet(times.slice(0, n), rules)) return times[n - 1];
  }
  // The analyzer called it a loop by rules other than ours: it formed at its latest kill at most.
  return times.at(-1);
}

/**
 * How long each container ran before it was killed: from its start when the kill says, else from
 * the previous kill of the same pod. Per container, not per workload: three replicas dying every
 * 5 h are a 5 h loop, however their kills interleave.
 */
export function runLengths(finding: Finding): { at: number; runMs: number }[] {
  const previous = new Map<string, number>();
  const runs: { at: number; runMs: number }[] = [];
  for (const kill of killsOf(finding)) {
    const from = kill.startedAt ?? (kill.pod ? previous.get(kill.pod) : undefined);
    if (kill.pod) previous.set(kill.pod, kill.at);
    if (from !== undefined && kill.at > from) runs.push({ at: kill.at, runMs: kill.at - from });
  }
  return runs;
}

/**
 * The kill at which the loop sped up: the last two runs both lasted at most `fasterRatio` of the
 * earlier runs' median (and at least ten minutes less), or both under `fastRunMs` where the runs
 * lasted longer before. Only a change counts: a loop that was always fast is not speeding up,
 * and one short run (a load spike) among long ones is not a trend.
 */
export function spedUp(finding: Finding, options: PagingOptions = {}): Escalation | undefined {
  const ratio = options.fasterRatio ?? DEFAULT_PAGING.fasterRatio;
  const fast = options.fastRunMs ?? DEFAULT_PAGING.fastRunMs;
  const runs = runLengths(finding);
  let before: boolean | undefined;
  let edge: Escalation | undefined;
  for (let j = 2; j < runs.length; j++) {
    const recent = Math.max(runs[j - 1]!.runMs, runs[j]!.runMs);
    const earlier = median(runs.slice(0, j - 1).map((r) => r.runMs));
    const faster =
      (recent <= ratio * earlier && earlier - recent >= 10 * MINUTE) ||
      (recent < fast && earlier >= fast);
    if (faster && before === false) {
      edge = {
        at: runs[j]!.at,
        why: `The OOM loop sped up: its containers now die after ${duration(recent)}, ${duration(earlier)} before.`,
      };
    }
    before = faster;
  }
  return edge;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function duration(ms: number): string {
  if (ms < HOUR) return `${Math.max(1, Math.round(ms / MINUTE))} min`;
  return `${Math.round((ms / HOUR) * 10) / 10} h`;
}
