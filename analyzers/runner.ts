// Runs the analyzers on a schedule and soon after new evidence arrives (an OOM kill or a Ready
// flip is judged seconds after it is indexed, not at the next scheduled run). Evidence that is
// old when it arrives (a backfill from Prometheus, a replay) is judged in data time: the triggered
// analyzers run at every step from its oldest to its newest time, as they would have run live,
// so a past episode is reported with its real times and resolved when it ended. It keeps the
// finding store in step: findings returned again are updated in place (same id, earliest
// firstSeen), open findings an analyzer no longer returns are resolved. Every run is bounded by a
// timeout and never rejects; one failing analyzer does not stop the others.
import { assertEvidence } from '../core/evidence.js';
import type { Component, ComponentHealth } from '../core/component.js';
import type { Finding, FindingKind } from '../core/domain.js';
import type { AnyEnvelope, RecordKind } from '../core/envelope.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { FindingStore } from '../store/store.js';
import type { AnalysisReader, Analyzer } from './analyzer.js';
import { subjectKey } from './ids.js';
import { sharedReader } from './shared-reader.js';
import { nodeVerdictsFrom, verdictsFrom, type VerdictBook } from './verdicts.js';

/**
 * Finding kinds that link to the container's OOM-loop verdict: misfit and recommendations follow
 * it for memory, an error burst points at it.
 */
const FOLLOWS_VERDICTS: ReadonlySet<FindingKind> = new Set([
  'requests_misfit',
  'recommendation',
  'error_burst',
]);

/** Which new records make an analyzer of a finding kind worth re-running early. */
const TRIGGERS: Readonly<Partial<Record<FindingKind, readonly RecordKind[]>>> = {
  node_memory_flapping: ['node_transition', 'kube_event'],
  oom_loop: ['container_termination'],
};

/** Events that are evidence for flapping; the rest (Scheduled, Pulled, ...) do not trigger. */
const TRIGGER_EVENT_REASONS = new Set([
  'SystemOOM',
  'OOMKilling',
  'Evicted',
  'NodeNotReady',
  'NodeHasInsufficientMemory',
  'EvictionThresholdMet',
  'Rebooted',
]);

export interface RunnerOptions {
  readonly cluster: string;
  readonly analyzers: readonly Analyzer[];
  readonly reader: AnalysisReader;
  readonly findings: FindingStore;
  /** Scheduled runs of every analyzer (default 15 min). */
  readonly intervalMs?: number;
  /** Quiet time after new evidence before the triggered run (default 3 s). */
  readonly debounceMs?: number;
  /** Longest an analyzer may take before its run is abandoned (default 60 s). */
  readonly timeoutMs?: number;
  readonly clock?: () => number;
  readonly logger?: Logger;
  /** Told after every run, e.g. to refresh exported metrics or push alerts; must not throw. */
  readonly onRun?: (report: RunReport) => Promise<void>;
  /** Evidence older than this when it arrives is judged in data time (default 15 min). */
  readonly lateAfterMs?: number;
  /** Spacing of data-time runs over late evidence (default 1 h). */
  readonly catchUpStepMs?: number;
}

/** The data time a record is evidence for, for the kinds that trigger runs. */
function evidenceTime(record: AnyEnvelope): number | undefined {
  switch (record.kind) {
    case 'container_termination':
      return record.payload.termination.finishedAt;
    case 'node_transition':
      return record.payload.at;
    case 'kube_event':
      return record.payload.lastTimestamp;
    default:
      return undefined;
  }
}

/** The data time a record is about: how far the data has come, whatever its kind. */
function dataTime(record: AnyEnvelope): number | undefined {
  switch (record.kind) {
    case 'usage_sample':
    case 'log_line':
      return record.payload.timestamp;
    case 'node':
    case 'pod':
      return undefined;
    default:
      return evidenceTime(record);
  }
}

export interface AnalyzerOutcome {
  readonly analyzer: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly returned: number;
  readonly resolved: number;
  readonly durationMs: number;
}

export interface RunReport {
  readonly now: number;
  readonly outcomes: readonly AnalyzerOutcome[];
}

export class AnalyzerRunner implements Component {
  readonly name = 'analyzer-runner';
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly pending = new Set<string>();
  /** Data time still to judge step by step, from late evidence. */
  private catchUp: { from: number; to: number } | undefined;
  /** Data time the last step-by-step judging reached. */
  private judgedUntil: number | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private started = false;
  private lastFailure: string | undefined;
  private readonly clock: () => number;
  private readonly logger: Logger;

  constructor(private readonly options: RunnerOptions) {
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? silentLogger;
  }

  start(): Promise<void> {
    if (this.started) return Promise.resolve();
    this.started = true;
    this.timer = setInterval(() => this.enqueue(), this.options.intervalMs ?? 15 * 60_000);
    this.timer.unref();
    this.enqueue();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = undefined;
    this.debounce = undefined;
    this.pending.clear();
    this.catchUp = undefined;
    this.judgedUntil = undefined;
    await this.running;
  }

  health(): ComponentHealth {
    if (!this.started) return { ready: false, detail: 'analyzer runner is not running' };
    return this.lastFailure ? { ready: true, detail: this.lastFailure } : { ready: true };
  }

  /**
   * Tells the runner about newly indexed records (wire to IngestConsumer's onIndexed). Analyzers
   * whose inputs changed run once the records stop arriving for debounceMs. Never throws.
   */
  notify(records: readonly AnyEnvelope[]): void {
    if (!this.started) return;
    // Late evidence is judged at its own time (below); only fresh evidence triggers a run now.
    const lateBefore = this.lateBefore();
    const names = this.triggered(
      records.filter((r) => (evidenceTime(r) ?? Infinity) >= lateBefore),
    );
    for (const name of names) this.pending.add(name);
    const late = this.noteLateData(records, lateBefore);
    if (names.length === 0 && !late) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.runPending(), this.options.debounceMs ?? 3000);
    this.debounce.unref();
  }

  /** Runs what notified records asked for now, instead of after the quiet time, and waits. */
  async flush(): Promise<void> {
    if (this.debounce) this.runPending();
    await this.running;
  }

  private runPending(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = undefined;
    const only = [...this.pending];
    const late = this.catchUp;
    this.pending.clear();
    this.catchUp = undefined;
    if (late) this.enqueueCatchUp(late, this.eventDriven());
    if (only.length > 0) this.enqueue(only);
  }

  /** Names of the analyzers the records are inputs of. */
  triggered(records: readonly AnyEnvelope[]): string[] {
    const kinds = new Set<RecordKind>();
    for (const record of records) {
      if (record.kind === 'kube_event' && !TRIGGER_EVENT_REASONS.has(record.payload.reason))
        continue;
      kinds.add(record.kind);
    }
    return this.options.analyzers
      .filter((a) => a.kinds.some((k) => (TRIGGERS[k] ?? []).some((r) => kinds.has(r))))
      .map((a) => a.name);
  }

  /**
   * Widens the span to judge in data time with late records: from the oldest late evidence (or
   * where the last such judging stopped, so that a quiet stretch of a backfill still resolves
   * what ended in it) to the newest late data. True when there is something to judge.
   */
  private lateBefore(): number {
    return this.clock() - (this.options.lateAfterMs ?? 15 * 60_000);
  }

  private noteLateData(records: readonly AnyEnvelope[], lateBefore: number): boolean {
    let from: number | undefined;
    let to: number | undefined;
    for (const record of records) {
      const t = dataTime(record);
      if (t === undefined || t >= lateBefore) continue;
      to = Math.max(to ?? t, t);
      if (evidenceTime(record) !== undefined) from = Math.min(from ?? t, t);
    }
    from ??= this.judgedUntil;
    if (from === undefined || to === undefined || to <= from) return this.catchUp !== undefined;
    this.catchUp = {
      from: Math.min(this.catchUp?.from ?? from, from),
      to: Math.max(this.catchUp?.to ?? to, to),
    };
    return true;
  }

  /** The analyzers that react to evidence: those worth judging step by step through history. */
  private eventDriven(): string[] {
    return this.options.analyzers
      .filter((a) => a.kinds.some((k) => TRIGGERS[k] !== undefined))
      .map((a) => a.name);
  }

  /**
   * Runs at every step through the late evidence's span, ending at its newest time: never past
   * it, since data after it may still be on its way, and a run there would resolve an episode
   * that only looks over.
   */
  private enqueueCatchUp(span: { from: number; to: number }, only: readonly string[]): void {
    this.running = this.running
      .then(async () => {
        for (const at of this.stepsBefore(span)) {
          if (!this.started) return;
          await this.run({ now: at, only });
        }
        if (!this.started) return;
        await this.run({ now: span.to, only });
        this.judgedUntil = Math.max(this.judgedUntil ?? span.to, span.to);
      })
      .catch(() => undefined);
  }

  /**
   * Judges a stretch of history in data time, as a one-shot scan needs: the event-driven
   * analyzers at every step from `from` (so an incident that began and ended inside it is found,
   * then resolved), then every analyzer at `to`. Resolves with the last run's report.
   */
  async judgeSpan(span: { from: number; to: number }): Promise<RunReport> {
    const only = this.eventDriven();
    for (const at of this.stepsBefore(span)) await this.run({ now: at, only });
    return this.run({ now: span.to });
  }

  /** The whole catch-up steps from `from` up to (not including) `to`. */
  private stepsBefore(span: { from: number; to: number }): number[] {
    const step = this.options.catchUpStepMs ?? 3_600_000;
    const steps: number[] = [];
    for (let at = Math.ceil(span.from / step) * step; at < span.to; at += step) steps.push(at);
    return steps;
  }

  private enqueue(only?: readonly string[]): void {
    // Runs are serialised: a triggered run waits for a scheduled one instead of racing it.
    this.running = this.running.then(() => this.run({ only })).catch(() => undefined);
  }

  /**
   * One pass over the analyzers (all, or the named ones) at `now`. Resolves with what each did;
   * never rejects.
   */
  async run(
    options: { now?: number; only?: readonly string[] | undefined } = {},
  ): Promise<RunReport> {
    const now = options.now ?? this.clock();
    const outcomes: AnalyzerOutcome[] = [];
    const reader = sharedReader(this.options.reader);
    const selected = this.options.analyzers.filter(
      (a) => !options.only || options.only.includes(a.name),
    );
    // Memory advice follows each container's OOM loop: the verdicts come from the loops open
    // now, and from the OOM-loop analyzer's own answer once it has run in this pass.
    let verdicts = selected.some((a) => a.kinds.some((k) => FOLLOWS_VERDICTS.has(k)))
      ? verdictsFrom(await this.openFindings(['oom_loop']))
      : undefined;
    // Likewise a node's capacity findings point at its open flapping finding.
    let nodeVerdicts = selected.some((a) => a.kinds.includes('node_capacity_misfit'))
      ? nodeVerdictsFrom(await this.openFindings(['node_memory_flapping']))
      : undefined;
    for (const analyzer of selected) {
      const { outcome, open } = await this.runOne(analyzer, now, reader, {
        verdicts,
        nodeVerdicts,
      });
      outcomes.push(outcome);
      if (outcome.ok && analyzer.kinds.includes('oom_loop') && verdicts) {
        verdicts = verdictsFrom(open);
      }
      if (outcome.ok && analyzer.kinds.includes('node_memory_flapping') && nodeVerdicts) {
        nodeVerdicts = nodeVerdictsFrom(open);
      }
    }
    const failed = outcomes.filter((o) => !o.ok);
    this.lastFailure =
      failed.length > 0
        ? `analyzers failing: ${failed.map((o) => `${o.analyzer} (${o.error ?? 'error'})`).join(', ')}`
        : undefined;
    const report = { now, outcomes };
    await this.options.onRun?.(report).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'after-run listener failed');
    });
    return report;
  }

  private async runOne(
    analyzer: Analyzer,
    now: number,
    reader: AnalysisReader,
    books: {
      verdicts: VerdictBook | undefined;
      nodeVerdicts: ReadonlyMap<string, string> | undefined;
    },
  ): Promise<{ outcome: AnalyzerOutcome; open: Finding[] }> {
    const started = performance.now();
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    let timeout: NodeJS.Timeout | undefined;
    try {
      const returned = await Promise.race([
        analyzer.analyze({
          cluster: this.options.cluster,
          window: { from: now - analyzer.windowMs, to: now },
          now,
          store: reader,
          ...books,
        }),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error(`timed out after ${timeoutMs} ms`)),
            timeoutMs,
          );
          timeout.unref();
        }),
      ]);
      const { resolved, open } = await this.reconcile(analyzer, returned, now);
      return {
        outcome: {
          analyzer: analyzer.name,
          ok: true,
          returned: returned.length,
          resolved,
          durationMs: performance.now() - started,
        },
        open,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error, analyzer: analyzer.name }, 'analyzer run failed');
      return {
        outcome: {
          analyzer: analyzer.name,
          ok: false,
          error: message,
          returned: 0,
          resolved: 0,
          durationMs: performance.now() - started,
        },
        open: [],
      };
    } finally {
      if (timeout) clearTimeout(timeout);
    }
  }

  /** Upserts what the analyzer returned and resolves its open findings it did not return. */
  private async reconcile(
    analyzer: Analyzer,
    returned: readonly Finding[],
    now: number,
  ): Promise<{ resolved: number; open: Finding[] }> {
    const store = this.options.findings;
    const open = await this.openFindings(analyzer.kinds);
    const openBySubject = new Map<string, Finding[]>();
    for (const finding of open) {
      const key = `${finding.kind}|${subjectKey(finding.subject)}`;
      openBySubject.set(key, [...(openBySubject.get(key) ?? []), finding]);
    }
    const kept = new Set<string>();
    const upserts: Finding[] = [];
    // An analyzer whose evidence drifted from its schema fails here, before its readers (metrics,
    // report, alerts, pages) would silently read nothing.
    assertEvidence(returned);
    const stored = await store.findingsByIds(returned.map((finding) => finding.id));
    for (const finding of returned) {
      let existing = stored.get(finding.id);
      if (!existing) {
        // The same subject still open under another id: the episode continues past the point
        // where its start could be found again (e.g. older than the look-back), keep its id.
        const candidates =
          openBySubject.get(`${finding.kind}|${subjectKey(finding.subject)}`) ?? [];
        existing =
          candidates.length === 1 && !kept.has(candidates[0]!.id) ? candidates[0] : undefined;
      }
      const id = existing?.id ?? finding.id;
      kept.add(id);
      const { resolvedAt: _resolvedAt, ...rest } = finding;
      upserts.push({
        ...rest,
        id,
        status: 'open',
        firstSeen: Math.min(finding.firstSeen, existing?.firstSeen ?? finding.firstSeen),
        lastSeen: Math.max(finding.lastSeen, existing?.lastSeen ?? finding.lastSeen),
      });
    }
    const resolved = open
      .filter((finding) => !kept.has(finding.id))
      .map((finding): Finding => ({ ...finding, status: 'resolved', resolvedAt: now }));
    await store.upsertFindings([...upserts, ...resolved]);
    return { resolved: resolved.length, open: upserts };
  }

  private async openFindings(kinds: readonly FindingKind[]): Promise<Finding[]> {
    const out: Finding[] = [];
    let after: string | undefined;
    // Bounded against a runaway store, but far above a large cluster's open findings (one or
    // two per container): stopping early would leave findings open that should be resolved.
    for (let page = 0; page < 1_000; page++) {
      const result = await this.options.findings.findings({
        cluster: this.options.cluster,
        kinds,
        status: 'open',
        limit: 1_000,
        after,
      });
      out.push(...result.items);
      if (!result.next) break;
      after = result.next;
    }
    return out;
  }
}
