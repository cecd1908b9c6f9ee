// A real Prometheus scraping `plimsoll demo` (and the simulated cluster's kube-state-metrics and
// cAdvisor, as a cluster's Prometheus would) answers every dashboard's main query with data.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDashboards } from '../../dashboards/index.js';
import { startCli, stop } from '../support/cli.js';
import { requireServices } from '../support/services.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../../core/free-port.js';

const CLUSTER = 'sim-mixed';

/** Grafana's variables as a user with "All" selected would send them. */
function expand(query: string): string {
  return query
    .replaceAll('$cluster', CLUSTER)
    .replaceAll('$namespace', '.*')
    .replaceAll('$node', '.*')
    .replaceAll('$resource', 'memory')
    .replaceAll('$__rate_interval', '1m');
}

describe('Prometheus scraping the demo', () => {
  let demo: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let dir: string | undefined;
  let promUrl = '';
  let apiUrl = '';

  before(async () => {
    // promtool and prometheus come from Debian's package, which services.sh installs.
    await requireServices('prometheus');
    const started = await startCli(
      ['demo', '--port', '0'],
      /--server (http:\/\/\S+)[\s\S]*?\n {2}API\s+(http:\/\/\S+)\n/,
      { PLIMSOLL_SIMULATOR_NODES: '6' },
      120_000,
    );
    demo = started.child;
    const simulatorUrl = started.match[1]!;
    apiUrl = started.match[2]!;
    await waitFor(
      async () => (await fetch(`${apiUrl}/readyz`)).status,
      (status) => status === 200,
      { what: 'demo history loaded', timeoutMs: 240_000, intervalMs: 1_000 },
    );
    const nodes = (
      (await (await fetch(`${simulatorUrl}/api/v1/nodes`)).json()) as {
        items: { metadata: { name: string } }[];
      }
    ).items.map((node) => node.metadata.name);
    const host = (url: string) => new URL(url).host;
    dir = mkdtempSync(join(tmpdir(), 'plimsoll-prom-'));
    const config = {
      global: { scrape_interval: '2s', scrape_timeout: '2s' },
      scrape_configs: [
        { job_name: 'plimsoll', static_configs: [{ targets: [host(apiUrl)] }] },
        {
          job_name: 'kube-state-metrics',
          metrics_path: '/ksm/metrics',
          static_configs: [{ targets: [host(simulatorUrl)], labels: { cluster: CLUSTER } }],
        },
        {
          job_name: 'cadvisor',
          static_configs: nodes.map((node) => ({
            targets: [host(simulatorUrl)],
            labels: {
              cluster: CLUSTER,
              node,
              __metrics_path__: `/api/v1/nodes/${node}/proxy/metrics/cadvisor`,
            },
          })),
        },
      ],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
  });

  after(async () => {
    if (prometheus) await stop(prometheus);
    if (demo) await stop(demo);
    // Prometheus' data directory goes with it, once it has exited.
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('returns data for each dashboard main query', async (t) => {
    for (const dashboard of buildDashboards()) {
      const query = expand(dashboard.mainQuery);
      const series = await waitFor(
        async () => {
          try {
            const response = await fetch(
              `${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`,
            );
            const body = (await response.json()) as { data?: { result?: unknown[] } };
            return body.data?.result?.length ?? 0;
          } catch {
            return 0;
          }
        },
        (count) => count > 0,
        { what: `data for ${dashboard.uid}: ${query}`, timeoutMs: 120_000, intervalMs: 2_000 },
      );
      t.diagnostic(`${dashboard.uid}: ${series} series for ${query}`);
      assert.ok(series > 0);
    }
  });
});
