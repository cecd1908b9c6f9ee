// The paging policy with a clock the test controls: what pages, for how long, what becomes a
// ticket, and what is never alerted. The 48-hour slow leak is followed through the dispatcher
// and the direct notifier at five-minute steps: one page, then a ticket, each resolved once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertDispatcher, type AlertSink } from '../../alerts/dispatch.js';
import { decide } from '../../alerts/policy.js';
import type { ProblemAlert } from '../../alerts/problem-alert.js';
import { RateLimiter } from '../../core/delivery.js';
import { DirectNotifier } from '../../alerts/receivers/notifier.js';
import type { FindingNotification, Receiver } from '../../alerts/receivers/types.js';
import { plimsollRuleGroups } from '../../alerts/rules.js';
import { TeamResolver } from '../../alerts/teams.js';
import type { Finding } from '../../core/domain.js';
import { silentLogger } from '../../core/logger.js';
import { flappingFinding, misfitFinding, NOW } from './findings.js';
import { loopFindingAt, type LoopScenario } from './loop-scenario.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const STEP = 5 * MIN;

class RecordingSink implements AlertSink {
  readonly name = 'recording';
  readonly cycles: { at: number; alerts: ProblemAlert[] }[] = [];
  constructor(private readonly clock: () => number) {}
  deliver(alerts: readonly ProblemAlert[]) {
    this.cycles.push({ at: this.clock(), alerts: [...alerts] });
    return Promise.resolve({ sent: alerts.length, resolved: 0, failed: 0 });
  }
}

function memoryReceiver(name: string): Receiver & { got: FindingNotification[] } {
  const got: FindingNotification[] = [];
  return {
    name,
    got,
    send: (n) => {
      got.push(n);
      return Promise.resolve();
    },
  };
}

/** Runs the dispatcher every five simulated minutes from `from` to `to`. */
async function simulate(scenarios: LoopScenario[], from: number, to: number) {
  let now = from;
  const clock = () => now;
  const recording = new RecordingSink(clock);
  const pager = memoryReceiver('pager');
  const chat = memoryReceiver('chat');
  const fast = new Map([
    ['pager', new RateLimiter(1e6, 1e6)],
    ['chat', new RateLimiter(1e6, 1e6)],
  ]);
  const notifier = new DirectNotifier({
    routes: [
      { receiver: pager, teams: ['checkout'], routes: ['page'] },
      { receiver: chat, teams: ['checkout'], routes: ['ticket'] },
    ],
    logger: silentLogger,
    now: clock,
    limiters: fast,
  });
  const dispatcher = new AlertDispatcher({
    source: () => Promise.resolve(scenarios.flatMap((s) => loopFindingAt(s, now) ?? [])),
    teams: new TeamResolver({ namespaceTeams: { shop: 'checkout' } }),
    sinks: [recording, notifier],
    links: { apiBaseUrl: 'http://plimsoll:8080' },
    logger: silentLogger,
    now: clock,
  });
  for (; now <= to; now += STEP) await dispatcher.cycle();
  return { recording, pager, chat };
}

/** Start times of the stretches during which a page fired. */
function pageStretches(cycles: RecordingSink['cycles']): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let open: { from: number; to: number } | undefined;
  for (const { at, alerts } of cycles) {
    const paging = alerts.some((a) => a.route === 'page');
    if (paging && !open) out.push((open = { from: at, to: at }));
    if (paging && open) open.to = at;
    if (!paging) open = undefined;
  }
  return out;
}

const every5h: LoopScenario = {
  id: 'finding-leak-cart',
  start: NOW,
  runMs: () => 5 * HOUR,
  until: NOW + 48 * HOUR,
};

describe('paging policy', { timeout: 120_000 }, () => {
  it(
    'a slow leak dying every 5 h for 48 h pages once, then is one ticket, each resolved once',
    { timeout: 30_000 },
    async () => {
      const { recording, pager, chat } = await simulate([every5h], NOW, NOW + 72 * HOUR);
      // Found at its second kill (5 h), it pages for an hour, and never again.
      assert.deepEqual(pageStretches(recording.cycles), [
        { from: NOW + 5 * HOUR, to: NOW + 6 * HOUR - STEP },
      ]);
      // A ticket from the moment it is found until the loop ends (kills age out of the window).
      const ticketed = recording.cycles.filter((c) => c.alerts.some((a) => a.route === 'ticket'));
      assert.equal(ticketed[0]?.at, NOW + 5 * HOUR);
      assert.ok(ticketed.at(-1)!.at > NOW + 60 * HOUR);
      // The kill count rose under one finding id; every alert was this one problem.
      const counts = ticketed.map((c) => c.alerts[0]!.finding.evidence.killCount as number);
      assert.equal(counts[0], 2);
      assert.equal(Math.max(...counts), 5);
      const ids = new Set(recording.cycles.flatMap((c) => c.alerts.map((a) => a.finding.id)));
      assert.deepEqual([...ids], ['finding-leak-cart']);
      for (const { alerts } of recording.cycles) {
        for (const a of alerts) {
          assert.equal(a.severity, a.route === 'page' ? 'critical' : 'warning');
          assert.equal(a.team, 'checkout');
        }
      }
      // The pager: one page and its resolve when it became a ticket. The chat: the ticket, held
      // back while the page fired, and its resolve when the loop ended.
      assert.deepEqual(
        pager.got.map((n) => [n.action, n.route, n.dedupKey]),
        [
          ['trigger', 'page', 'plimsoll-finding-leak-cart-page'],
          ['resolve', 'page', 'plimsoll-finding-leak-cart-page'],
        ],
      );
      assert.deepEqual(
        chat.got.map((n) => [n.action, n.route, n.dedupKey]),
        [
          ['trigger', 'ticket', 'plimsoll-finding-leak-cart'],
          ['resolve', 'ticket', 'plimsoll-finding-leak-cart'],
        ],
      );
      assert.equal(pager.got[0]?.severity, 'critical');
      assert.equal(chat.got[0]?.severity, 'warning');
    },
  );

  it(
    'pages again for an hour when the loop speeds up, and when its runs drop under an hour',
    { timeout: 30_000 },
    async () => {
      // 5 h runs; from the 7th kill 2 h runs; from the 13th, 45 min runs.
      const speeding: LoopScenario = {
        ...every5h,
        id: 'finding-speeding',
        runMs: (n) => (n < 6 ? 5 * HOUR : n < 12 ? 2 * HOUR : 45 * MIN),
      };
      const { recording, pager } = await simulate([speeding], NOW, NOW + 48 * HOUR);
      const stretches = pageStretches(recording.cycles);
      assert.deepEqual(
        stretches.map((s) => (s.from - NOW) / MIN),
        // Formed at the 2nd kill (5 h). Sped up once two runs in a row were short: the 8th kill
        // (25 h + 2 h + 2 h). Under an hour after two 45 min runs: the 14th (37 h + 45 + 45 min).
        [5 * 60, 29 * 60, 38 * 60 + 30],
      );
      for (const s of stretches) assert.ok(s.to - s.from < HOUR);
      assert.equal(pager.got.filter((n) => n.action === 'trigger').length, 3);
      assert.equal(pager.got.filter((n) => n.action === 'resolve').length, 3);
      const triggers = pager.got.filter((n) => n.action === 'trigger');
      assert.match(triggers[1]!.reason, /sped up: its containers now die after 2 h, 5 h before/);
      assert.match(triggers[2]!.reason, /sped up: its containers now die after 45 min, 2 h before/);
    },
  );

  it(
    'does not page again for one short run, nor for a loop that was always fast',
    { timeout: 30_000 },
    async () => {
      const blip: LoopScenario = {
        ...every5h,
        id: 'finding-blip',
        runMs: (n) => (n === 5 ? 30 * MIN : 5 * HOUR),
      };
      const fast: LoopScenario = {
        ...every5h,
        id: 'finding-startup',
        runMs: () => 2 * MIN,
        until: NOW + 10 * HOUR,
        category: 'startup',
      };
      const slow = await simulate([blip], NOW, NOW + 48 * HOUR);
      assert.deepEqual(
        pageStretches(slow.recording.cycles).map((s) => (s.from - NOW) / HOUR),
        [5],
      );
      // Killed every 2 min: it pages once, from the first cycle after its second kill, until an
      // hour after the loop began, and then never again however long it keeps looping.
      const quick = await simulate([fast], NOW, NOW + 10 * HOUR);
      assert.deepEqual(pageStretches(quick.recording.cycles), [
        { from: NOW + STEP, to: NOW + HOUR - STEP },
      ]);
      assert.equal(quick.pager.got.length, 2);
    },
  );

  it(
    'decides from the finding and the clock alone: a restart or a one-shot push does not page again',
    { timeout: 30_000 },
    () => {
      const at = NOW + 30 * HOUR;
      const finding = loopFindingAt(every5h, at)!;
      // Any number of fresh decisions agree; none pages a loop that formed 25 h ago.
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(
          decide([finding], at)[0]?.alerts.map((a) => a.route),
          ['ticket'],
        );
      }
    },
  );

  it(
    'never pages for history: a replayed loop is a ticket, a finding older than 36 h nothing',
    { timeout: 30_000 },
    () => {
      const at = NOW + 8 * HOUR;
      const finding = loopFindingAt(every5h, at)!;
      // The same finding judged two days after it was last seen (a backfill reaching the store).
      assert.deepEqual(decide([finding], at + 48 * HOUR), []);
      // Judged while its last kill is 20 h old: a ticket, though it formed "now" for the process.
      assert.deepEqual(
        decide([finding], at + 20 * HOUR)[0]?.alerts.map((a) => a.route),
        ['ticket'],
      );
    },
  );

  it(
    'pages for a flapping node while it flaps, and reports capacity findings, never paging them',
    { timeout: 30_000 },
    () => {
      const flap = flappingFinding();
      const capacity: Finding = {
        ...flappingFinding(),
        id: 'finding-no-reserved',
        kind: 'node_capacity_misfit',
        category: 'no_system_reserved',
        severity: 'warning',
      };
      const decisions = decide([flap, capacity, misfitFinding({ severity: 'critical' })], NOW);
      assert.deepEqual(
        decisions.map((d) => [d.alertname, d.alerts.map((a) => a.route)]),
        [
          ['PlimsollNodeMemoryFlapping', ['page']],
          ['PlimsollNodeCapacityMisfit', ['report']],
          ['PlimsollRequestsMisfit', ['report']],
        ],
      );
    },
  );

  it(
    'folds a finding that follows an open OOM loop into that loop: one problem, one alert',
    { timeout: 30_000 },
    () => {
      const loop = loopFindingAt(every5h, NOW + 6 * HOUR)!;
      const follower = misfitFinding({
        id: 'finding-tight-limit',
        category: 'tight_memory_limit',
        subject: loop.subject,
        relatedTo: loop.id,
      });
      assert.deepEqual(
        decide([loop, follower], NOW + 6 * HOUR).map((d) => d.finding.id),
        [loop.id],
      );
      // Once the loop is gone, the follower stands on its own (as a report).
      assert.deepEqual(
        decide([follower], NOW).map((d) => d.alerts[0]?.route),
        ['report'],
      );
    },
  );

  it(
    'gives a pushed alert exactly the labels the rule gives the same problem',
    { timeout: 30_000 },
    async () => {
      const rules = plimsollRuleGroups().flatMap((g) => g.rules);
      let now = NOW + 5 * HOUR;
      const recording = new RecordingSink(() => now);
      const dispatcher = new AlertDispatcher({
        source: () => Promise.resolve([loopFindingAt(every5h, now)!, flappingFinding()]),
        teams: new TeamResolver({ namespaceTeams: { shop: 'checkout' } }),
        sinks: [recording],
        links: { apiBaseUrl: 'http://plimsoll:8080' },
        logger: silentLogger,
        now: () => now,
      });
      await dispatcher.cycle();
      now = NOW + 5 * HOUR;
      const pushed = recording.cycles[0]!.alerts;
      assert.equal(pushed.length, 3);
      for (const alert of pushed) {
        const rule = rules.find(
          (r) => r.alert === alert.alertname && r.labels.route === alert.route,
        );
        assert.ok(rule, `a rule for ${alert.alertname} ${alert.route}`);
        const by = /by \(([^)]*)\)/
          .exec(rule.expr)![1]!
          .split(',')
          .map((s) => s.trim());
        const expected = ['alertname', ...Object.keys(rule.labels), ...by].sort();
        // The rules path names the workload kind as the exported gauges do (workload_type).
        assert.deepEqual(Object.keys(alert.labels).sort(), expected);
        for (const [k, v] of Object.entries(rule.labels)) assert.equal(alert.labels[k], v);
        assert.equal(alert.annotations.runbook_url, rule.annotations.runbook_url);
      }
    },
  );
});
