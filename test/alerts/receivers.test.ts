// Direct receivers against a local HTTP server: payload shapes, retries on 5xx, one dedup key per
// problem and route, resolve once, signed webhooks a captured request cannot be replayed with,
// receivers built from the configuration (errors name the key), and no secret in any log line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decide } from '../../alerts/policy.js';
import { problemAlerts, type ProblemAlert } from '../../alerts/problem-alert.js';
import { directRoutes } from '../../alerts/receivers/config.js';
import { postJson, RateLimiter } from '../../core/delivery.js';
import { dingTalkReceiver } from '../../alerts/receivers/dingtalk.js';
import { DirectNotifier, notificationOf } from '../../alerts/receivers/notifier.js';
import { pagerDutyReceiver } from '../../alerts/receivers/pagerduty.js';
import { slackReceiver } from '../../alerts/receivers/slack.js';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  webhookReceiver,
  webhookSignature,
} from '../../alerts/receivers/webhook.js';
import { validateConfig } from '../../core/config/load.js';
import type { Finding } from '../../core/domain.js';
import { createLogger, silentLogger } from '../../core/logger.js';
import { verifyHit } from '../support/signed-hit.js';
import { NOW, oomLoopFinding } from './findings.js';

interface Hit {
  path: string;
  raw: string;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const unlimited = () => new RateLimiter(1e6, 1e6);

/** The alerts of open findings at NOW, owned by team checkout. */
function alertsOf(findings: Finding[], now = NOW): ProblemAlert[] {
  return decide(findings, now).flatMap((d) =>
    problemAlerts(d, 'checkout', { apiBaseUrl: 'http://plimsoll:8080' }),
  );
}

/** A slow leak that became a loop at its second kill, 30 min ago: a page (and its held ticket). */
function newLoop(): Finding {
  return oomLoopFinding({
    evidence: {
      ...oomLoopFinding().evidence,
      episodeStart: NOW - 4.5 * 3_600_000,
      kills: [4.5 * 3_600_000, 30 * 60_000].map((ago) => ({
        at: NOW - ago,
        pod: 'cart-7d9f-abcde',
        exitCode: 137,
      })),
    },
  });
}

describe('direct receivers', { timeout: 60_000 }, () => {
  let server: Server;
  let base = '';
  const hits: Hit[] = [];
  let failures = 0;
  let reply: (hit: Hit) => { status: number; body: string } = () => ({ status: 200, body: '{}' });

  before(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const hit = {
          path: req.url ?? '',
          raw,
          body: JSON.parse(raw) as Record<string, unknown>,
          headers: req.headers,
        };
        hits.push(hit);
        if (failures > 0) {
          failures -= 1;
          res.writeHead(503).end('busy');
          return;
        }
        const r = reply(hit);
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    hits.length = 0;
    failures = 0;
    reply = () => ({ status: 200, body: '{}' });
  });

  it('retries 5xx with backoff and gives up on 4xx at once', { timeout: 10_000 }, async () => {
    failures = 2;
    const ok = await postJson(`${base}/x`, { a: 1 }, { retry: fast });
    assert.equal(ok.attempts, 3);
    reply = () => ({ status: 400, body: 'bad' });
    await assert.rejects(postJson(`${base}/x`, { a: 1 }, { retry: fast }), /rejected the request/);
    assert.equal(hits.length, 4);
  });

  it(
    'pages PagerDuty once per problem with its own dedup key, and resolves it',
    { timeout: 10_000 },
    async () => {
      const logs: string[] = [];
      const logger = createLogger(
        'debug',
        new Writable({ write: (c: Buffer, _e, cb) => (logs.push(c.toString()), cb()) }),
      );
      const pd = pagerDutyReceiver({
        name: 'pd',
        routingKey: 'R0UTINGKEYSECRET',
        url: `${base}/v2/enqueue`,
        retry: fast,
      });
      const notifier = new DirectNotifier({
        routes: [{ receiver: pd, routes: ['page'] }],
        logger,
        limiters: new Map([['pd', unlimited()]]),
      });
      const paging = alertsOf([newLoop()]);
      assert.deepEqual(
        paging.map((a) => a.route),
        ['page', 'ticket'],
      );
      assert.deepEqual(await notifier.deliver(paging), { sent: 1, resolved: 0, failed: 0 });
      // Delivered again while active: nothing new is sent.
      assert.deepEqual(await notifier.deliver(paging), { sent: 0, resolved: 0, failed: 0 });
      // The page ran its hour (only the ticket is left): the page resolves.
      assert.deepEqual(await notifier.deliver(paging.filter((a) => a.route === 'ticket')), {
        sent: 0,
        resolved: 1,
        failed: 0,
      });
      assert.equal(hits.length, 2);
      const [trigger, resolve] = hits.map((h) => h.body);
      assert.equal(trigger?.event_action, 'trigger');
      assert.equal(trigger?.dedup_key, 'plimsoll-finding-oom-cart-page');
      const payload = trigger?.payload as { severity: string; source: string; class: string };
      assert.equal(payload.severity, 'critical');
      assert.equal(payload.source, 'shop/cart');
      assert.equal(payload.class, 'PlimsollOomLoop');
      assert.deepEqual(
        (trigger?.links as { href: string }[]).map((l) => l.href),
        [
          'http://plimsoll:8080/ui/findings/finding-oom-cart',
          'https://github.com/plimsoll/plimsoll/blob/main/docs/runbooks/PlimsollOomLoop.md',
        ],
      );
      assert.deepEqual(resolve, {
        routing_key: 'R0UTINGKEYSECRET',
        event_action: 'resolve',
        dedup_key: 'plimsoll-finding-oom-cart-page',
      });

      // A failing send is logged without the secret and retried next cycle.
      reply = () => ({ status: 403, body: '{"message":"denied"}' });
      assert.deepEqual(await notifier.deliver(paging), { sent: 0, resolved: 0, failed: 1 });
      assert.ok(logs.some((l) => l.includes('notification failed')));
      assert.ok(logs.every((l) => !l.includes('R0UTINGKEYSECRET')));
    },
  );

  it(
    'holds a ticket back while its page fires, like the Alertmanager inhibition',
    { timeout: 10_000 },
    async () => {
      const chat = slackReceiver({
        name: 'chat',
        webhookUrl: `${base}/services/T/B/X`,
        retry: fast,
      });
      const notifier = new DirectNotifier({
        routes: [{ receiver: chat, routes: ['ticket'] }],
        logger: silentLogger,
        limiters: new Map([['chat', unlimited()]]),
      });
      const paging = alertsOf([newLoop()]);
      const ticketOnly = paging.filter((a) => a.route === 'ticket');
      assert.deepEqual(await notifier.deliver(paging), { sent: 0, resolved: 0, failed: 0 });
      assert.deepEqual(await notifier.deliver(ticketOnly), { sent: 1, resolved: 0, failed: 0 });
      // Paging again (it sped up): the ticket already out stays open, nothing is sent or resolved.
      assert.deepEqual(await notifier.deliver(paging), { sent: 0, resolved: 0, failed: 0 });
      assert.deepEqual(await notifier.deliver([]), { sent: 0, resolved: 1, failed: 0 });
      assert.deepEqual(
        hits.map((h) => String(h.body.text)),
        [
          ':large_orange_circle: [ticket] cart/cart is OOM-killed every 4 h by a slow leak',
          ':white_check_mark: Resolved: cart/cart is OOM-killed every 4 h by a slow leak',
        ],
      );
    },
  );

  it('shapes Slack, DingTalk and generic webhook payloads', { timeout: 10_000 }, async () => {
    const [page] = alertsOf([newLoop()]);
    const n = notificationOf(page!, 'trigger');
    await slackReceiver({ webhookUrl: `${base}/services/T000/B000/SECRET`, retry: fast }).send(n);
    await dingTalkReceiver({
      webhookUrl: `${base}/robot/send?access_token=TOKEN`,
      secret: 'SEC',
      retry: fast,
      now: () => 1700000000000,
    }).send(n);
    await webhookReceiver({ url: `${base}/hook`, secret: 's3cret', retry: fast }).send({
      ...n,
      action: 'resolve',
    });
    const [slack, ding, hook] = hits;
    assert.match(String(slack?.body.text), /^:red_circle: \[page\] cart\/cart is OOM-killed/);
    assert.ok(Array.isArray(slack?.body.blocks));
    assert.match(
      JSON.stringify(slack?.body.blocks),
      /docs\/runbooks\/PlimsollOomLoop\.md\|Runbook/,
    );
    assert.equal(ding?.body.msgtype, 'markdown');
    assert.match(ding?.path ?? '', /timestamp=1700000000000&sign=/);
    assert.equal(hook?.body.status, 'resolved');
    assert.equal(hook?.body.route, 'page');
    assert.equal(hook?.body.severity, 'critical');
    assert.equal(hook?.body.dedupKey, 'plimsoll-finding-oom-cart-page');
    assert.match(String(hook?.headers[TIMESTAMP_HEADER]), /^\d{10}$/);
    assert.match(String(hook?.headers[SIGNATURE_HEADER]), /^sha256=[0-9a-f]{64}$/);
    assert.deepEqual(verifyHit(hook, 's3cret'), { ok: true });
  });

  it('verifies webhook signatures: fresh and intact only', { timeout: 10_000 }, () => {
    const body = '{"status":"firing"}';
    const now = Date.UTC(2026, 0, 1, 12);
    const ts = String(now / 1000);
    const signature = webhookSignature('s3cret', ts, body);
    const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({ secret: 's3cret', body, timestamp: ts, signature, now, ...over });
    assert.deepEqual(check({}), { ok: true });
    assert.deepEqual(check({ now: now + 4 * 60_000 }), { ok: true });
    // The same request replayed six minutes later.
    assert.deepEqual(check({ now: now + 6 * 60_000 }), { ok: false, reason: 'timestamp too old' });
    // A fresh timestamp pasted onto the captured request.
    assert.deepEqual(check({ timestamp: String(now / 1000 + 300), now: now + 300_000 }), {
      ok: false,
      reason: 'signature mismatch',
    });
    assert.deepEqual(check({ body: '{"status":"resolved"}' }), {
      ok: false,
      reason: 'signature mismatch',
    });
    assert.deepEqual(check({ secret: 'other' }), { ok: false, reason: 'signature mismatch' });
    assert.deepEqual(check({ now: now - 10 * 60_000 }), {
      ok: false,
      reason: 'timestamp in the future',
    });
    assert.deepEqual(check({ timestamp: undefined }), { ok: false, reason: 'no timestamp' });
    assert.deepEqual(check({ signature: undefined }), { ok: false, reason: 'no signature' });
    assert.deepEqual(check({ signature: 'sha256=00' }), {
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it(
    'retries a DingTalk rate-limit answer (HTTP 200, errcode 130101)',
    { timeout: 10_000 },
    async () => {
      let calls = 0;
      reply = () => ({
        status: 200,
        body: JSON.stringify({ errcode: calls++ === 0 ? 130101 : 0 }),
      });
      const [page] = alertsOf([newLoop()]);
      await dingTalkReceiver({ webhookUrl: `${base}/robot/send?access_token=T`, retry: fast }).send(
        notificationOf(page!, 'trigger'),
      );
      assert.equal(hits.length, 2);
    },
  );

  it('rate-limits sends with a token bucket', { timeout: 10_000 }, async () => {
    let t = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(
      2,
      1,
      () => t,
      (ms) => {
        waits.push(ms);
        t += ms;
        return Promise.resolve();
      },
    );
    await limiter.take();
    await limiter.take();
    await limiter.take();
    assert.deepEqual(waits, [500, 500]);
  });
});

describe('direct receivers from the configuration', { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'plimsoll-receivers-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const build = (alerting: Record<string, unknown>) =>
    directRoutes(validateConfig({ alerting }).alerting);

  it(
    'builds every type, with secrets from files and routes by team and route',
    { timeout: 10_000 },
    () => {
      const routes = build({
        receivers: {
          'checkout-pd': { type: 'pagerduty', routingKeyFile: file('pd', 'KEY\n') },
          'checkout-chat': { type: 'slack', urlFile: file('slack', 'https://hooks.slack.com/x\n') },
          ding: { type: 'dingtalk', urlFile: file('ding', 'https://oapi.dingtalk.com/robot/send') },
          audit: { type: 'webhook', url: 'https://audit.example/hook', secretFile: file('s', 'x') },
        },
        routes: [
          { receiver: 'checkout-pd', teams: ['checkout'], route: ['page'] },
          { receiver: 'checkout-chat', teams: ['checkout'], route: ['ticket', 'report'] },
          { receiver: 'ding' },
          { receiver: 'audit' },
        ],
      });
      assert.deepEqual(
        routes.map((r) => [r.receiver.name, r.teams, r.routes, r.receiver.rate]),
        [
          ['checkout-pd', ['checkout'], ['page'], { perSecond: 1, burst: 5 }],
          ['checkout-chat', ['checkout'], ['ticket', 'report'], { perSecond: 1, burst: 5 }],
          ['ding', undefined, ['page', 'ticket'], { perSecond: 1, burst: 5 }],
          ['audit', undefined, ['page', 'ticket'], { perSecond: 1, burst: 5 }],
        ],
      );
    },
  );

  it('names the key of every mistake, and never the secret', { timeout: 10_000 }, () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { receivers: { pd: { type: 'pagerduty' } } },
        /at alerting\.receivers\.pd\.routingKeyFile .*required for a pagerduty receiver/,
      ],
      [
        { receivers: { pd: { type: 'pagerduty', routingKeyFile: join(dir, 'missing') } } },
        /at alerting\.receivers\.pd\.routingKeyFile .*cannot read .*missing/,
      ],
      [
        { receivers: { pd: { type: 'pagerduty', routingKeyFile: file('empty', '\n') } } },
        /at alerting\.receivers\.pd\.routingKeyFile .*is empty/,
      ],
      [
        { receivers: { chat: { type: 'slack', urlFile: file('bad', 'xoxb-SECRET-TOKEN') } } },
        /at alerting\.receivers\.chat\.urlFile .*does not hold an http\(s\) URL/,
      ],
      [
        {
          receivers: {
            chat: { type: 'slack', urlFile: file('u', 'https://h/x'), secretFile: 'x' },
          },
        },
        /at alerting\.receivers\.chat\.secretFile .*not used by a slack receiver/,
      ],
      [
        { receivers: { hook: { type: 'webhook' } } },
        /at alerting\.receivers\.hook\.url .*needs url or urlFile/,
      ],
      [
        { receivers: {}, routes: [{ receiver: 'nobody' }] },
        /at alerting\.routes\.0\.receiver .*no receiver named "nobody"/,
      ],
      [
        { receivers: { x: { type: 'teams' } } },
        /at alerting\.receivers\.x\.type .*expected one of/,
      ],
      [{ routes: [{ receiver: 'x', route: ['pager'] }] }, /at alerting\.routes\.0\.route\.0 /],
    ];
    for (const [alerting, expected] of cases) {
      assert.throws(
        () => build(alerting),
        (error: Error) => {
          assert.match(error.message, expected);
          assert.doesNotMatch(error.message, /SECRET/);
          return true;
        },
      );
    }
  });
});
