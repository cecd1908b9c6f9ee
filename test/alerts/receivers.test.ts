// Direct receivers against a local HTTP server: payload shapes, retries on 5xx, dedup per
// finding, resolve once, and no secret in any log line.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { postJson, RateLimiter } from '../../alerts/receivers/delivery.js';
import { dingTalkReceiver } from '../../alerts/receivers/dingtalk.js';
import { DirectNotifier } from '../../alerts/receivers/notifier.js';
import { pagerDutyReceiver } from '../../alerts/receivers/pagerduty.js';
import { slackReceiver } from '../../alerts/receivers/slack.js';
import { webhookReceiver } from '../../alerts/receivers/webhook.js';
import { TeamResolver } from '../../alerts/teams.js';
import { createLogger } from '../../core/logger.js';
import { oomLoopFinding } from './findings.js';

interface Hit {
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

describe('direct receivers', () => {
  let server: Server;
  let base = '';
  const hits: Hit[] = [];
  let failures = 0;
  let reply: (hit: Hit) => { status: number; body: string } = () => ({ status: 200, body: '{}' });

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const hit = {
          path: req.url ?? '',
          body: JSON.parse(body) as Record<string, unknown>,
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

  it('retries 5xx with backoff and gives up on 4xx at once', async () => {
    failures = 2;
    const ok = await postJson(`${base}/x`, { a: 1 }, { retry: fast });
    assert.equal(ok.attempts, 3);
    reply = () => ({ status: 400, body: 'bad' });
    await assert.rejects(postJson(`${base}/x`, { a: 1 }, { retry: fast }), /rejected the request/);
    assert.equal(hits.length, 4);
  });

  it('sends PagerDuty Events v2 trigger and resolve with one dedup_key', async () => {
    const logs: string[] = [];
    const logger = createLogger(
      'debug',
      new Writable({ write: (c: Buffer, _e, cb) => (logs.push(c.toString()), cb()) }),
    );
    const pd = pagerDutyReceiver({
      routingKey: 'R0UTINGKEYSECRET',
      url: `${base}/v2/enqueue`,
      retry: fast,
    });
    const notifier = new DirectNotifier({
      routes: [{ receiver: pd }],
      teams: new TeamResolver({ namespaceTeams: { shop: 'checkout' } }),
      apiBaseUrl: 'http://plimsoll:8080',
      logger,
      limiter: new RateLimiter(1000, 1000),
    });
    const finding = oomLoopFinding();
    assert.deepEqual(await notifier.notify([finding]), { sent: 1, failed: 0 });
    // Re-sent while active within the repeat interval: deduplicated, nothing sent.
    assert.deepEqual(await notifier.notify([finding]), { sent: 0, failed: 0 });
    assert.deepEqual(await notifier.notify([]), { sent: 1, failed: 0 });
    assert.equal(hits.length, 2);
    const [trigger, resolve] = hits.map((h) => h.body);
    assert.equal(trigger?.event_action, 'trigger');
    assert.equal(trigger?.dedup_key, 'plimsoll-finding-oom-cart');
    assert.equal((trigger?.payload as { severity: string }).severity, 'critical');
    assert.equal((trigger?.payload as { source: string }).source, 'shop/cart');
    assert.deepEqual(resolve, {
      routing_key: 'R0UTINGKEYSECRET',
      event_action: 'resolve',
      dedup_key: 'plimsoll-finding-oom-cart',
    });

    // A failing send is logged without the secret and retried next cycle.
    reply = () => ({ status: 403, body: '{"message":"denied"}' });
    assert.deepEqual(await notifier.notify([finding]), { sent: 0, failed: 1 });
    assert.ok(logs.some((l) => l.includes('notification failed')));
    assert.ok(logs.every((l) => !l.includes('R0UTINGKEYSECRET')));
  });

  it('shapes Slack, DingTalk and generic webhook payloads', async () => {
    const n = {
      finding: oomLoopFinding(),
      action: 'trigger' as const,
      team: 'checkout',
      dedupKey: 'plimsoll-finding-oom-cart',
      url: 'http://plimsoll:8080/api/v1/findings/finding-oom-cart',
    };
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
    assert.match(String(slack?.body.text), /cart\/cart is OOM-killed/);
    assert.ok(Array.isArray(slack?.body.blocks));
    assert.equal(ding?.body.msgtype, 'markdown');
    assert.match(ding?.path ?? '', /timestamp=1700000000000&sign=/);
    assert.equal(hook?.body.status, 'resolved');
    assert.equal(hook?.body.dedupKey, 'plimsoll-finding-oom-cart');
    assert.match(String(hook?.headers['x-plimsoll-signature']), /^sha256=[0-9a-f]{64}$/);
  });

  it('retries a DingTalk rate-limit answer (HTTP 200, errcode 130101)', async () => {
    let calls = 0;
    reply = () => ({ status: 200, body: JSON.stringify({ errcode: calls++ === 0 ? 130101 : 0 }) });
    await dingTalkReceiver({ webhookUrl: `${base}/robot/send?access_token=T`, retry: fast }).send({
      finding: oomLoopFinding(),
      action: 'trigger',
      team: 't',
      dedupKey: 'k',
      url: 'u',
    });
    assert.equal(hits.length, 2);
  });

  it('rate-limits sends with a token bucket', async () => {
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
