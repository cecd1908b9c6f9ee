// A real Prometheus scraping `plimsoll demo` (and the simulated cluster's kube-state-metrics and
// cAdvisor, as a cluster's Prometheus would) answers every dashboard's main query and variable
// query with data: one Prometheus that labels the cluster's series with `cluster`, and one that
// does not (a single-cluster Prometheus), where the dashboards' "All" cluster must still match.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDashboards } from '../../dashboards/index.js';
import { startCli, stop } from '../support/cli.js';
import { requireServices } from '../support/services.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../../core/free-port.js';

const CLUSTER = 'sim-mixed';

/**
 * Grafana's variables as a user would send them: the cluster chosen (or "All", `.*`), "All"
 * namespaces and nodes.
 */
function expand(query: string, cluster: string): string {
  return query
    .replaceAll('$cluster', cluster)
    .replaceAll('$namespace', '.*')
    .replaceAll('$node', '.*')
    .replaceAll('$__rate_interval', '1m');
}

/** The series count a Prometheus answers an instant query with (0 on any error). */
async function seriesCount(promUrl: string, query: string): Promise<number> {
  try {
    const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await response.json()) as { data?: { result?: unknown[] } };
    return body.data?.result?.length ?? 0;
  } catch {
    return 0;
  }
}

/** label_values(selector, label) as Grafana asks Prometheus for it: the label's values. */
async function labelValues(promUrl: string, query: string, cluster: string): Promise<string[]> {
  const [, selector, label] = /^label_values\((.*), (\w+)\)$/.exec(query) ?? [];
  if (!selector || !label) throw new Error(`not a label_values query: ${query}`);
  const url = `${promUrl}/api/v1/label/${label}/values?match[]=${encodeURIComponent(expand(selector, cluster))}`;
  try {
    return ((await (await fetch(url)).json()) as { data?: string[] }).data ?? [];
  } catch {
    return [];
  }
}

describe('Prometheus scraping the demo', () => {
  let demo: ChildProcess | undefined;
  const prometheuses: ChildProcess[] = [];
  const prometheusUrls: Record<'labelled' | 'unlabelled', string> = {
    labelled: '',
    unlabelled: '',
  };
  let dir: string | undefined;
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
    const clusterJobs = (labels: Record<string, string>) => [
      {
        job_name: 'kube-state-metrics',
        metrics_path: '/ksm/metrics',
        static_configs: [{ targets: [host(simulatorUrl)], labels }],
      },
      {
        job_name: 'cadvisor',
        static_configs: nodes.map((node) => ({
          targets: [host(simulatorUrl)],
          labels: {
            ...labels,
            node,
            __metrics_path__: `/api/v1/nodes/${node}/proxy/metrics/cadvisor`,
          },
        })),
      },
    ];
    for (const [name, labels] of [
      ['labelled', { cluster: CLUSTER }],
      ['unlabelled', {}],
    ] as const) {
      const config = {
        global: { scrape_interval: '2s', scrape_timeout: '2s' },
        scrape_configs: [
          // Plimsoll's own gauges always name their cluster.
          { job_name: 'plimsoll', static_configs: [{ targets: [host(apiUrl)] }] },
          ...clusterJobs(labels),
        ],
      };
      const home = join(dir, name);
      mkdirSync(home);
      writeFileSync(join(home, 'prometheus.yml'), JSON.stringify(config));
      const port = await freePort();
      prometheusUrls[name] = `http://127.0.0.1:${port}`;
      prometheuses.push(
        spawn(
          '/usr/bin/prometheus',
          [
            `--config.file=${join(home, 'prometheus.yml')}`,
            `--storage.tsdb.path=${join(home, 'data')}`,
            `--web.listen-address=127.0.0.1:${port}`,
          ],
          { stdio: 'ignore' },
        ),
      );
    }
  });

  after(async () => {
    for (const prometheus of prometheuses) await stop(prometheus);
    if (demo) await stop(demo);
    // Prometheus' data directory goes with it, once it has exited.
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Where the series carry `cluster`, the cluster as chosen and "All"; where none does, "All".
  const cases = [
    ['labelled', CLUSTER],
    ['labelled', '.*'],
    ['unlabelled', '.*'],
  ] as const;

  for (const [prometheusName, cluster] of cases) {
    it(`answers every main query on the ${prometheusName} Prometheus, cluster ${cluster}`, async (t) => {
      const promUrl = prometheusUrls[prometheusName];
      for (const dashboard of buildDashboards()) {
        const query = expand(dashboard.mainQuery, cluster);
        const series = await waitFor(
          () => seriesCount(promUrl, query),
          (count) => count > 0,
          { what: `data for ${dashboard.uid}: ${query}`, timeoutMs: 120_000, intervalMs: 2_000 },
        );
        t.diagnostic(`${dashboard.uid}: ${series} series for ${query}`);
        assert.ok(series > 0);
      }
    });

    it(`offers namespaces and nodes on the ${prometheusName} Prometheus, cluster ${cluster}`, async () => {
      for (const dashboard of buildDashboards()) {
        const variables = (dashboard.json.templating?.list ?? []).filter(
          (v) => (v.type as string) === 'query' && v.name !== 'cluster',
        );
        for (const variable of variables) {
          const query = variable.query as string;
          const values = await waitFor(
            () => labelValues(prometheusUrls[prometheusName], query, cluster),
            (found) => found.length > 0,
            {
              what: `${dashboard.uid} $${variable.name}: ${query}`,
              timeoutMs: 60_000,
              intervalMs: 2_000,
            },
          );
          assert.ok(values.length > 0);
        }
      }
    });
  }

  it('lists the cluster where its series carry the label, and offers "All" where none does', async () => {
    const query = buildDashboards()[0]!.json.templating?.list?.find((v) => v.name === 'cluster')
      ?.query as string;
    const labelled = await waitFor(
      () => labelValues(prometheusUrls.labelled, query, '.*'),
      (found) => found.length > 0,
      { what: `clusters: ${query}`, timeoutMs: 60_000, intervalMs: 2_000 },
    );
    assert.deepEqual(labelled, [CLUSTER]);
    // Once the unlabelled one has scraped the nodes, it still knows no cluster.
    await waitFor(
      () => seriesCount(prometheusUrls.unlabelled, 'kube_node_info'),
      (count) => count > 0,
      { what: 'nodes on the unlabelled Prometheus', timeoutMs: 60_000, intervalMs: 2_000 },
    );
    assert.deepEqual(await labelValues(prometheusUrls.unlabelled, query, '.*'), []);
  });
});
