// End to end with the real Alertmanager (Debian's prometheus-alertmanager): a simulated OOM loop
// becomes a finding through the OOM-loop analyzer, the pusher sends it to Alertmanager's v2 API,
// and a webhook receiver served here gets one grouped notification on the owning team's route;
// once the loop stops, a resolved notification follows. The example routing tree is checked
// with amtool.
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOomLoopAnalyzer } from '../../analyzers/oom-loop/analyzer.js';
import { AlertmanagerPusher, openFindings } from '../../alerts/alertmanager-push.js';
import { TeamResolver } from '../../alerts/teams.js';
import { silentLogger } from '../../core/logger.js';
import type { Finding } from '../../core/domain.js';
import { MemoryStore } from '../../store/memory.js';
import { T0, terminationRecord } from '../support/records.js';
import { requireServices } from '../support/services.js';
import { waitFor } from '../support/wait.js';
import { podRecord } from './findings.js';

const AM_BIN = '/usr/bin/prometheus-alertmanager';
const AMTOOL = '/usr/bin/amtool';
const HOUR = 3_600_000;

interface Notification {
  path: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; generatorURL: string }[];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function alertmanagerConfig(hook: string): string {
  return `
route:
  receiver: default
  group_by: [alertname, cluster, namespace, team]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['team="checkout"']
      receiver: checkout
    - matchers: ['team="payments"']
      receiver: payments
receivers:
  - name: default
    webhook_configs: [{ url: '${hook}/default', send_resolved: true }]
  - name: checkout
    webhook_configs: [{ url: '${hook}/checkout', send_resolved: true }]
  - name: payments
    webhook_configs: [{ url: '${hook}/payments', send_resolved: true }]
`;
}

/** Three OOM kills, four hours apart, of one container across pod replacements. */
function loopKills(workload: string, pods: string) {
  return [0, 1, 2].map((i) =>
    terminationRecord({
      pod: `${pods}-${i}`,
      podUid: `uid-${pods}-${i}`,
      workload: { namespace: 'shop', kind: 'Deployment', name: workload },
      container: workload,
      termination: {
        reason: 'OOMKilled',
        exitCode: 137,
        startedAt: T0 - (3 - i) * 4 * HOUR - 3 * HOUR,
        finishedAt: T0 - (3 - i) * 4 * HOUR,
      },
    }),
  );
}

describe('findings to Alertmanager to on-call', () => {
  let dir: string;
  let am: ChildProcess | undefined;
  let hookServer: Server;
  const received: Notification[] = [];
  let amUrl = '';

  before(async () => {
    if (!existsSync(AM_BIN)) await requireServices('alertmanager');
    dir = mkdtempSync(join(tmpdir(), 'plimsoll-am-'));
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', ...(JSON.parse(body) as Omit<Notification, 'path'>) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;
    writeFileSync(join(dir, 'alertmanager.yml'), alertmanagerConfig(hook));
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(
      AM_BIN,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // No gossip: a lone test instance must not bind the cluster port or wait for peers.
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      () =>
        fetch(`${amUrl}/-/ready`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      { timeoutMs: 30_000, what: 'Alertmanager ready' },
    );
  });

  after(async () => {
    if (am?.pid !== undefined && am.exitCode === null) {
      const exited = new Promise((resolve) => am?.once('exit', resolve));
      process.kill(am.pid, 'SIGTERM');
      await exited;
    }
    await new Promise((resolve) => hookServer?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('routes an OOM loop to its team as one grouped notification, then resolves it', async () => {
    const store = new MemoryStore();
    await store.write([
      ...loopKills('cart', 'cart-7d9f'),
      ...loopKills('cart-worker', 'cart-worker-5c8b'),
      podRecord({ labels: { app: 'cart', team: 'checkout' } }),
    ]);
    const analyzer = createOomLoopAnalyzer();
    const findings = await analyzer.analyze({
      cluster: 'test',
      window: { from: T0 - 24 * HOUR, to: T0 },
      now: T0,
      store,
    });
    assert.equal(findings.length, 2, 'two OOM-loop findings');
    await store.upsertFindings(findings);

    const pusher = new AlertmanagerPusher({
      alertmanagerUrls: [amUrl],
      source: openFindings(store, 'test'),
      teams: new TeamResolver({ inventory: store, defaultTeam: 'platform' }),
      apiBaseUrl: 'http://plimsoll.example:8080',
      resendIntervalMs: 1000,
      retry: { attempts: 3, baseDelayMs: 100 },
      logger: silentLogger,
    });
    assert.deepEqual(await pusher.push(), { firing: 2, resolved: 0 });
    // A second push while active re-sends the same alerts: Alertmanager deduplicates them.
    await pusher.push();

    const firing = await waitFor(
      () => received.filter((n) => n.status === 'firing'),
      (list) => list.length >= 1,
      { timeoutMs: 20_000, what: 'a firing notification' },
    );
    // Longer than group_wait + group_interval: nothing else may arrive for the same group.
    await sleep(2500);
    assert.equal(received.filter((n) => n.status === 'firing').length, 1, JSON.stringify(received));
    const [notification] = firing;
    assert.equal(notification?.path, '/checkout');
    assert.equal(notification?.receiver, 'checkout');
    assert.deepEqual(notification?.groupLabels, {
      alertname: 'PlimsollOomLoop',
      cluster: 'test',
      namespace: 'shop',
      team: 'checkout',
    });
    assert.equal(notification?.alerts.length, 2);
    assert.deepEqual(notification?.alerts.map((a) => a.labels.container).sort(), [
      'cart',
      'cart-worker',
    ]);
    for (const alert of notification?.alerts ?? []) {
      assert.equal(alert.labels.kind, 'oom_loop');
      assert.equal(alert.labels.severity, 'critical');
      assert.match(alert.generatorURL, /^http:\/\/plimsoll\.example:8080\/api\/v1\/findings\/.+/);
    }

    // The loop stops: a later run finds no kills in its window, and the runner resolves.
    const later = T0 + 48 * HOUR;
    const again = await analyzer.analyze({
      cluster: 'test',
      window: { from: later - 24 * HOUR, to: later },
      now: later,
      store,
    });
    assert.equal(again.length, 0);
    await store.upsertFindings(
      findings.map((f): Finding => ({ ...f, status: 'resolved', resolvedAt: Date.now() })),
    );
    assert.deepEqual(await pusher.push(), { firing: 0, resolved: 2 });
    const resolved = await waitFor(
      () => received.filter((n) => n.status === 'resolved'),
      (list) => list.length >= 1,
      { timeoutMs: 20_000, what: 'a resolved notification' },
    );
    assert.equal(resolved[0]?.path, '/checkout');
    assert.equal(resolved[0]?.alerts.length, 2);
    assert.ok(resolved[0]?.alerts.every((a) => a.status === 'resolved'));
    assert.equal(received.filter((n) => n.path !== '/checkout').length, 0);
  });

  it('ships an example routing tree that amtool accepts', async () => {
    const file = fileURLToPath(new URL('../../alerts/alertmanager.example.yml', import.meta.url));
    const { stdout } = await promisify(execFile)(AMTOOL, ['check-config', file]);
    assert.match(stdout, /SUCCESS/);
    assert.match(stdout, /2 inhibit rules/);
  });
});
