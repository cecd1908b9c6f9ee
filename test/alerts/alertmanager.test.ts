// Plimsoll's alerts through the real Alertmanager (Debian's prometheus-alertmanager), routed by
// the shipped example tree (alerts/alertmanager.example.yml) with its receivers swapped for
// webhooks served here and its timings shortened. Routing, grouping and inhibition are
// Alertmanager's own: what is asserted is what an on-call engineer would receive.
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { AlertmanagerPusher } from '../../alerts/alertmanager-push.js';
import { AlertDispatcher } from '../../alerts/dispatch.js';
import { postJson } from '../../core/delivery.js';
import { TeamResolver } from '../../alerts/teams.js';
import type { Finding } from '../../core/domain.js';
import { silentLogger } from '../../core/logger.js';
import { requireServices } from '../support/services.js';
import { waitFor } from '../support/wait.js';
import { flappingFinding, NOW } from './findings.js';
import { loopFindingAt, type LoopScenario } from './loop-scenario.js';
import { freePort } from '../../core/free-port.js';

const AM_BIN = '/usr/bin/prometheus-alertmanager';
const AMTOOL = '/usr/bin/amtool';
const EXAMPLE = fileURLToPath(new URL('../../alerts/alertmanager.example.yml', import.meta.url));
const MIN = 60_000;
const HOUR = 60 * MIN;

interface Notification {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: { status: string; labels: Record<string, string>; generatorURL: string }[];
}

interface GettableAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

/** The example tree with every receiver a webhook to `hook/<receiver>` and timings in seconds. */
function testConfig(hook: string): string {
  const config = parse(readFileSync(EXAMPLE, 'utf8')) as {
    route: Record<string, unknown>;
    receivers: ({ name: string } & Record<string, unknown>)[];
  };
  config.route.group_wait = '1s';
  config.route.group_interval = '1s';
  // Each receiver keeps its send_resolved, so the test hears what its real integration would.
  config.receivers = config.receivers.map((receiver) => {
    const integration = Object.entries(receiver).find(([key]) => key.endsWith('_configs'));
    const first = (integration?.[1] as { send_resolved?: boolean }[] | undefined)?.[0];
    return {
      name: receiver.name,
      webhook_configs: [
        { url: `${hook}/${receiver.name}`, send_resolved: first?.send_resolved ?? true },
      ],
    };
  });
  return stringify(config);
}

describe(
  'alerts through the real Alertmanager and the example routing tree',
  { timeout: 300_000 },
  () => {
    let dir: string;
    let am: ChildProcess | undefined;
    let hookServer: Server;
    const received: Notification[] = [];
    let amUrl = '';

    const to = (receiver: string, status?: Notification['status']) =>
      received.filter((n) => n.receiver === receiver && (!status || n.status === status));
    const waitNotified = (receiver: string, status: Notification['status'], count = 1) =>
      waitFor(
        () => to(receiver, status),
        (list) => list.length >= count,
        { timeoutMs: 20_000, what: `${count} ${status} notification(s) to ${receiver}` },
      );
    const amAlerts = async (...filters: string[]): Promise<GettableAlert[]> => {
      const query = filters.map((f) => `filter=${encodeURIComponent(f)}`).join('&');
      return (await (await fetch(`${amUrl}/api/v2/alerts?${query}`)).json()) as GettableAlert[];
    };
    /**
     * Every aggregation group is gone: each sent its last resolved notification and emptied, so
     * nothing more can be sent. Alertmanager sweeps empty groups every 30 s.
     */
    const settled = () =>
      waitFor(
        async () => {
          const text = await (await fetch(`${amUrl}/metrics`)).text();
          return Number(/^alertmanager_dispatcher_aggregation_groups (\S+)$/m.exec(text)?.[1]);
        },
        (groups) => groups === 0,
        { timeoutMs: 90_000, intervalMs: 500, what: 'Alertmanager to empty its groups' },
      );
    /** Posts an alert the way a Prometheus would, e.g. the kubernetes-mixin's node alerts. */
    const postRuleAlert = (labels: Record<string, string>, endsAt: number) =>
      postJson(`${amUrl}/api/v2/alerts`, [
        {
          labels,
          annotations: { summary: `${labels.alertname} ${labels.node ?? ''}` },
          // When it started firing, as Prometheus sends it.
          startsAt: new Date().toISOString(),
          endsAt: new Date(endsAt).toISOString(),
          generatorURL: 'http://prometheus:9090/graph',
        },
      ]);

    before(async () => {
      if (!existsSync(AM_BIN)) await requireServices('alertmanager');
      dir = mkdtempSync(join(tmpdir(), 'plimsoll-am-'));
      hookServer = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          received.push(JSON.parse(body) as Notification);
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
      const hook = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;
      writeFileSync(join(dir, 'alertmanager.yml'), testConfig(hook));
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

    beforeEach(() => {
      received.length = 0;
    });

    it(
      'a slow leak dying every 5 h, followed for 48 simulated hours: one page, then one ticket, each resolved once',
      { timeout: 150_000 },
      async () => {
        const leak: LoopScenario = {
          id: 'finding-leak-cart',
          start: NOW,
          runMs: () => 5 * HOUR,
          until: NOW + 48 * HOUR,
        };
        let now = NOW;
        const dispatcher = new AlertDispatcher({
          source: () =>
            Promise.resolve(loopFindingAt(leak, now) ? [loopFindingAt(leak, now)!] : []),
          teams: new TeamResolver({ namespaceTeams: { shop: 'checkout' } }),
          // The decisions follow simulated time; startsAt/endsAt follow Alertmanager's clock.
          sinks: [
            new AlertmanagerPusher({
              alertmanagerUrls: [amUrl],
              retry: { attempts: 3, baseDelayMs: 100 },
              logger: silentLogger,
            }),
          ],
          links: { apiBaseUrl: 'http://plimsoll.example:8080' },
          logger: silentLogger,
          now: () => now,
        });
        const phases: string[] = [];
        let phase = '';
        for (; now <= NOW + 72 * HOUR; now += 5 * MIN) {
          const report = await dispatcher.cycle();
          assert.ok(!('error' in report.sinks.alertmanager!), JSON.stringify(report.sinks));
          const next = report.alerts.map((a) => a.route).join('+');
          if (next === phase) continue;
          phase = next;
          const minutes = (now - NOW) / MIN;
          phases.push(
            `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')} ${next || 'none'}`,
          );
          // Each change reaches on-call before simulated time moves on.
          if (next === 'page+ticket') {
            await waitNotified('checkout-page', 'firing');
            // The ticket is in Alertmanager, held back by the page.
            const [ticket] = await amAlerts('route="ticket"', `finding_id="${leak.id}"`);
            assert.equal(ticket?.status.state, 'suppressed');
            assert.equal(ticket?.status.inhibitedBy.length, 1);
          } else if (next === 'ticket') {
            await waitNotified('checkout-page', 'resolved');
            await waitNotified('checkout-ticket', 'firing');
          } else {
            await waitNotified('checkout-ticket', 'resolved');
          }
        }
        // Found at the second kill; a ticket once the page's hour is over; the loop ends when its
        // kills age out of the analyzer's 24 h window after the fix.
        assert.deepEqual(phases, ['5h00 page+ticket', '6h00 ticket', '64h05 none']);
        await settled();
        // Per receiver in order; across receivers, the page's resolve and the ticket's first
        // notification leave Alertmanager in the same instant, in either order.
        const notified = (receiver: string) =>
          received
            .filter((n) => n.receiver === receiver)
            .map((n) => [n.status, n.alerts.map((a) => a.labels.route).join()]);
        assert.deepEqual(notified('checkout-page'), [
          ['firing', 'page'],
          ['resolved', 'page'],
        ]);
        assert.deepEqual(notified('checkout-ticket'), [
          ['firing', 'ticket'],
          ['resolved', 'ticket'],
        ]);
        assert.equal(received.length, 4);
        assert.equal(received[0]!.receiver, 'checkout-page', 'the page reaches on-call first');
        const [page] = received[0]!.alerts;
        assert.deepEqual(
          { ...page!.labels },
          {
            alertname: 'PlimsollOomLoop',
            severity: 'critical',
            route: 'page',
            team: 'checkout',
            cluster: 'test',
            kind: 'oom_loop',
            finding_id: leak.id,
            source: 'plimsoll',
            namespace: 'shop',
            workload: 'cart',
            workload_type: 'deployment',
            container: 'cart',
          },
        );
        assert.equal(page!.generatorURL, `http://plimsoll.example:8080/ui/findings/${leak.id}`);
        // The ticket's first notification (second or third: see above) is a warning.
        const ticket = received.find(
          (n) => n.receiver === 'checkout-ticket' && n.status === 'firing',
        );
        assert.equal(ticket?.alerts[0]!.labels.severity, 'warning');
      },
    );

    it(
      'a flapping node pages and holds back its own configuration finding and the node alerts on it',
      { timeout: 150_000 },
      async () => {
        const flap = flappingFinding({ lastSeen: Date.now() });
        const noReserved: Finding = {
          ...flappingFinding(),
          id: 'finding-no-reserved-node-a',
          kind: 'node_capacity_misfit',
          category: 'no_system_reserved',
          severity: 'warning',
          title: 'node-a reserves no memory for the system',
          lastSeen: Date.now(),
        };
        let open: Finding[] = [flap, noReserved];
        const dispatcher = new AlertDispatcher({
          source: () => Promise.resolve(open),
          teams: new TeamResolver({ nodeTeam: 'platform' }),
          sinks: [new AlertmanagerPusher({ alertmanagerUrls: [amUrl], logger: silentLogger })],
          links: { apiBaseUrl: 'http://plimsoll.example:8080' },
          kinds: ['node_memory_flapping', 'node_capacity_misfit'],
          logger: silentLogger,
        });
        await dispatcher.cycle();
        await waitFor(
          () => amAlerts('alertname="PlimsollNodeMemoryFlapping"'),
          (list) => list.length === 1,
          { timeoutMs: 10_000, what: 'the flapping alert in Alertmanager' },
        );
        // Then the kubernetes-mixin's alert for the flapping node, and for a node that is not.
        const later = Date.now() + 10 * MIN;
        await postRuleAlert(
          { alertname: 'KubeNodeNotReady', node: 'node-a', severity: 'warning' },
          later,
        );
        await postRuleAlert(
          { alertname: 'KubeNodeNotReady', node: 'node-b', severity: 'warning' },
          later,
        );

        await waitNotified('platform-page', 'firing');
        const other = await waitNotified('platform-ticket', 'firing');
        assert.deepEqual(
          other.map((n) => n.alerts.map((a) => a.labels.node)),
          [['node-b']],
        );
        for (const alertname of ['PlimsollNodeCapacityMisfit', 'KubeNodeNotReady']) {
          const held = (await amAlerts(`alertname="${alertname}"`, 'node="node-a"'))[0];
          assert.equal(held?.status.state, 'suppressed', alertname);
        }

        // The node stops flapping: its page resolves, and what it held back is sent.
        open = [noReserved];
        await dispatcher.cycle();
        await waitNotified('platform-page', 'resolved');
        await waitNotified('platform-report', 'firing');
        await waitNotified('platform-ticket', 'firing', 2);

        // Everything clears.
        open = [];
        await dispatcher.cycle();
        await postRuleAlert(
          { alertname: 'KubeNodeNotReady', node: 'node-a', severity: 'warning' },
          Date.now(),
        );
        await postRuleAlert(
          { alertname: 'KubeNodeNotReady', node: 'node-b', severity: 'warning' },
          Date.now(),
        );
        await waitNotified('platform-ticket', 'resolved', 2);
        await settled();
        const summary = received
          .map(
            (n) =>
              `${n.receiver} ${n.status} ${n.alerts.map((a) => `${a.labels.alertname}/${a.labels.node}`).join()}`,
          )
          .sort();
        assert.deepEqual(summary, [
          'platform-page firing PlimsollNodeMemoryFlapping/node-a',
          'platform-page resolved PlimsollNodeMemoryFlapping/node-a',
          // The report route sends no resolved notifications (send_resolved: false in the example).
          'platform-report firing PlimsollNodeCapacityMisfit/node-a',
          'platform-ticket firing KubeNodeNotReady/node-a',
          'platform-ticket firing KubeNodeNotReady/node-b',
          'platform-ticket resolved KubeNodeNotReady/node-a',
          'platform-ticket resolved KubeNodeNotReady/node-b',
        ]);
      },
    );

    it('ships an example routing tree that amtool accepts', { timeout: 30_000 }, async () => {
      const { stdout } = await promisify(execFile)(AMTOOL, ['check-config', EXAMPLE]);
      assert.match(stdout, /SUCCESS/);
      assert.match(stdout, /3 inhibit rules/);
    });
  },
);
