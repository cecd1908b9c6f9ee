// The direct receivers end to end, as a running Plimsoll uses them: the configuration names a
// Slack-like, a PagerDuty-like and a signed webhook receiver served here (secrets in files), the
// OOM-loop analyzer finds a loop in the store, the runner's after-run hook hands it to the
// alerting, and each receiver hears one notification per problem and its resolve. The pager
// answers 500 once (the send is retried); the webhook receiver checks every signature; a
// receiver limited to 5 sends a second gets them spaced out. The alerting clock is the test's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../alerts/receivers/webhook.js';
import { validateConfig } from '../../core/config/load.js';
import { silentLogger } from '../../core/logger.js';
import { Telemetry } from '../../core/telemetry.js';
import { createAnalysis, type Analysis } from '../../runtime/analysis.js';
import { MemoryStore } from '../../store/memory.js';
import { terminationRecord } from '../support/records.js';
import { waitFor } from '../support/wait.js';
import { podRecord } from './findings.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

interface Request {
  at: number;
  status: number;
  body: Record<string, unknown>;
}

/** A local receiver: records every request and answers what `answer` says. */
async function receiver(
  answer: (raw: string, headers: Record<string, string | string[] | undefined>) => number,
) {
  const requests: Request[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const status = answer(raw, req.headers);
      requests.push({ at: Date.now(), status, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    accepted: () => requests.filter((r) => r.status < 300).map((r) => r.body),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Three OOM kills of one container, the last `lastAgo` before now: an OOM loop (3 in 24 h). */
function loopKills(workload: string, lastAgo: number) {
  const last = Date.now() - lastAgo;
  return [8 * HOUR, 4 * HOUR, 0].map((before, i) =>
    terminationRecord({
      pod: `${workload}-7d9f-${i}`,
      podUid: `uid-${workload}-${i}`,
      workload: { namespace: 'shop', kind: 'Deployment', name: workload },
      container: workload,
      termination: {
        reason: 'OOMKilled',
        exitCode: 137,
        startedAt: last - before - 3 * HOUR,
        finishedAt: last - before,
      },
    }),
  );
}

describe('direct receivers wired into the analysis runtime', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'plimsoll-direct-'));
  const secret = 'webhook-signing-secret';
  let pagerFailures = 0;
  let slack: Awaited<ReturnType<typeof receiver>>;
  let pager: Awaited<ReturnType<typeof receiver>>;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let rejected = 0;
  const started: Analysis[] = [];

  before(async () => {
    slack = await receiver(() => 200);
    pager = await receiver(() => (pagerFailures-- > 0 ? 500 : 202));
    hook = await receiver((raw, headers) => {
      const verdict = verifyWebhookSignature({
        secret,
        body: raw,
        timestamp: headers[TIMESTAMP_HEADER] as string | undefined,
        signature: headers[SIGNATURE_HEADER] as string | undefined,
      });
      if (!verdict.ok) rejected += 1;
      return verdict.ok ? 200 : 401;
    });
  });
  after(async () => {
    await Promise.all([slack.close(), pager.close(), hook.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const r of [slack, pager, hook]) r.requests.length = 0;
    rejected = 0;
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).flatMap((a) => (a.alerts ? [a.alerts.stop()] : [])));
  });

  /** The chat heard the ticket open and close; the audit hook heard page and ticket each open and close. */
  function assertTicketAndPageEnded(): void {
    assert.deepEqual(
      slack.accepted().map((b) => String(b.text).split(' ')[0]),
      [':large_orange_circle:', ':white_check_mark:'],
    );
    assert.deepEqual(
      hook.accepted().map((b) => `${String(b.route)} ${String(b.status)}`),
      ['page firing', 'page resolved', 'ticket firing', 'ticket resolved'],
    );
  }

  function start(
    alerting: Record<string, unknown>,
    clock: () => number,
    store = new MemoryStore(),
  ): { analysis: Analysis; store: MemoryStore } {
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), `${text}\n`);
      return join(dir, name);
    };
    const config = validateConfig({
      cluster: 'test',
      api: { publicUrl: 'http://plimsoll.example:8080' },
      alerting: {
        receivers: {
          'checkout-chat': {
            type: 'slack',
            urlFile: file('slack-url', `${slack.url}/services/T/B/S`),
          },
          'checkout-pager': {
            type: 'pagerduty',
            url: `${pager.url}/v2/enqueue`,
            routingKeyFile: file('pd-key', 'ROUTINGKEY'),
          },
          audit: { type: 'webhook', url: `${hook.url}/plimsoll`, secretFile: file('hook', secret) },
        },
        routes: [
          { receiver: 'checkout-pager', teams: ['checkout'], route: ['page'] },
          { receiver: 'checkout-chat', teams: ['checkout'], route: ['ticket'] },
          { receiver: 'audit' },
        ],
        ...alerting,
      },
    });
    const analysis = createAnalysis(config, {
      store,
      telemetry: new Telemetry({ defaultMetrics: false }),
      logger: silentLogger,
      apiUrl: () => 'http://127.0.0.1:0',
      alertClock: clock,
    });
    started.push(analysis);
    return { analysis, store };
  }

  it(
    'pages once, retries after a 500, hands over to a ticket, and resolves each once',
    { timeout: 60_000 },
    async () => {
      let clock = Date.now();
      const { analysis, store } = start({}, () => clock);
      await store.write([
        ...loopKills('cart', 5 * MIN),
        podRecord({ labels: { team: 'checkout' } }),
      ]);
      // The dispatcher runs on its own timer while started; the runner's after-run hook asks it
      // for a cycle as soon as the loop is found.
      analysis.alerts!.start(3_600_000);
      pagerFailures = 1;
      await analysis.runner.run();

      await waitFor(
        () => pager.accepted(),
        (got) => got.length === 1,
        { what: 'the page' },
      );
      await waitFor(
        () => hook.accepted(),
        (got) => got.length === 1,
        { what: 'the audit copy' },
      );
      assert.deepEqual(
        pager.requests.map((r) => [r.status, r.body.event_action]),
        [
          [500, 'trigger'],
          [202, 'trigger'],
        ],
      );
      const page = pager.accepted()[0]!;
      assert.equal(page.routing_key, 'ROUTINGKEY');
      assert.match(String(page.dedup_key), /^plimsoll-.+-page$/);
      assert.equal((page.payload as { severity: string }).severity, 'critical');
      // The ticket waits while the page fires.
      assert.equal(slack.requests.length, 0);

      // An hour on, the page has done its job: it resolves and the ticket takes over.
      clock += HOUR + MIN;
      await analysis.alerts!.trigger();
      assert.deepEqual(
        pager.accepted().map((b) => [b.event_action, b.dedup_key]),
        [
          ['trigger', page.dedup_key],
          ['resolve', page.dedup_key],
        ],
      );
      assert.equal(slack.accepted().length, 1);
      assert.match(String(slack.accepted()[0]!.text), /^:large_orange_circle: \[ticket\] /);

      // Later cycles send nothing new while the loop stays open.
      await analysis.alerts!.trigger();
      assert.equal(slack.requests.length + pager.requests.length + hook.requests.length, 7);

      // The loop stops: a run two days on finds no kills in its window and resolves the finding.
      clock += 48 * HOUR;
      await analysis.runner.run({ now: Date.now() + 48 * HOUR });
      await analysis.alerts!.trigger();
      assertTicketAndPageEnded();
      assert.ok(hook.accepted().every((b) => b.team === 'checkout'));
      assert.equal(rejected, 0, 'every webhook request carried a valid, fresh signature');
      assert.equal(pager.accepted().length, 2);
    },
  );

  it(
    'remembers across a restart what it sent: no second ticket, and a resolve for what ended while down',
    { timeout: 60_000 },
    async () => {
      const stateFile = join(dir, 'state', 'alerts.json');
      let clock = Date.now();
      const kills = [...loopKills('cart', 5 * MIN), podRecord({ labels: { team: 'checkout' } })];
      const first = start({ stateFile }, () => clock);
      await first.store.write(kills);
      first.analysis.alerts!.start(3_600_000);
      await first.analysis.runner.run();
      await waitFor(
        () => pager.accepted(),
        (got) => got.length === 1,
        { what: 'the page' },
      );
      clock += HOUR + MIN;
      await first.analysis.alerts!.trigger();
      assert.equal(slack.accepted().length, 1, 'the ticket');
      await first.analysis.alerts!.stop();
      const before = slack.requests.length + pager.requests.length + hook.requests.length;

      // Restarted with the loop still open (findings persist in the store): nothing is sent again.
      const second = start({ stateFile }, () => clock, first.store);
      second.analysis.alerts!.start(3_600_000);
      await second.analysis.runner.run();
      await second.analysis.alerts!.trigger();
      assert.equal(slack.requests.length + pager.requests.length + hook.requests.length, before);
      await second.analysis.alerts!.stop();

      // The loop ended while Plimsoll was down (no open finding any more): the first cycle after
      // the restart resolves the ticket it sent.
      const third = start({ stateFile }, () => clock, new MemoryStore());
      third.analysis.alerts!.start(3_600_000);
      await third.analysis.alerts!.trigger();
      assertTicketAndPageEnded();
      assert.equal(pager.accepted().length, 2, 'the page was resolved before the restarts');
    },
  );

  it('spaces out the sends to a rate-limited receiver', { timeout: 60_000 }, async () => {
    const { analysis: limited, store } = start(
      {
        receivers: {
          audit: {
            type: 'webhook',
            url: `${hook.url}/plimsoll`,
            secretFile: join(dir, 'hook'),
            ratePerSecond: 5,
            burst: 1,
          },
        },
        routes: [{ receiver: 'audit' }],
      },
      () => Date.now(),
    );
    const workloads = ['cart', 'search', 'ledger', 'checkout', 'basket'];
    await store.write(workloads.flatMap((w) => loopKills(w, 5 * MIN)));
    limited.alerts!.start(3_600_000);
    await limited.runner.run();
    await waitFor(
      () => hook.accepted(),
      (got) => got.length === 5,
      { what: 'five pages' },
    );
    const times = hook.requests.map((r) => r.at);
    // 5 a second with no burst: the five sends span at least 4 × 200 ms (a little less for timer
    // rounding). The span, not each gap: a send delayed by a busy machine shortens the next gap
    // at the receiver without the limit being broken.
    const span = times[times.length - 1]! - times[0]!;
    assert.ok(span >= 4 * 180, `five sends spanned ${span} ms`);
    assert.deepEqual(
      new Set(
        hook
          .accepted()
          .map((b) => (b.finding as { subject: { container: string } }).subject.container),
      ),
      new Set(workloads),
    );
  });
});
