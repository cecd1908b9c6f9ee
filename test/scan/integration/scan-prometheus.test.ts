// `plimsoll scan` as a user runs it: the real CLI in a child process against Debian's Prometheus,
// loaded with an OpenMetrics export of the simulated `mixed` cluster. The verdicts are checked
// against the simulator's ground truth (every OOM loop still killing in the last day, every
// node that flapped in the window, nothing that is neither), in the table, JSON and YAML
// outputs (incidents that ended inside the window are there, resolved), and --fail-on turns open
// findings into exit 3. Two Prometheus that lack series say
// which and what it costs: one without the termination timestamps, one with v1 names only.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { Finding } from '../../../core/domain.js';
import {
  servePrometheusFromOpenMetrics,
  type ServedPrometheus,
} from '../../../eval/prometheus/tsdb.js';
import {
  createSimulation,
  exportOpenMetrics,
  groundTruth,
  type GroundTruth,
} from '../../../simulator/index.js';
import type { ExportOptions } from '../../../simulator/index.js';
import { runCli } from '../../support/cli.js';
import { requireServices } from '../../support/services.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STEP = 5 * 60_000;
const START = Date.UTC(2025, 0, 6);
const DAYS = 3;
const END = START + DAYS * DAY;
/** Exit status of a scan with findings at or above --fail-on. */
const FINDINGS_EXIT = 3;

const sim = createSimulation({ scenario: 'mixed', seed: 1, start: START, nodes: 2 });

function serve(options: Partial<ExportOptions> = {}): Promise<ServedPrometheus> {
  return servePrometheusFromOpenMetrics({
    write: (out) => exportOpenMetrics(sim, out, { from: START, to: END, stepMs: STEP, ...options }),
    // Staleness of a scrape at the export's step (eval/prometheus/tsdb.ts).
    lookbackDelta: `${STEP / 2000}s`,
  });
}

const scanArgs = (url: string, ...more: string[]) => [
  '--log-level',
  'silent',
  'scan',
  '--prometheus-url',
  url,
  '--days',
  String(DAYS),
  '--step',
  String(STEP / 1000),
  '--end',
  new Date(END).toISOString(),
  ...more,
];

const workloadText = (w: { namespace: string; kind: string; name: string }, container: string) =>
  `${w.namespace}/${w.kind}/${w.name} · ${container}`;

describe('plimsoll scan against a real Prometheus', { timeout: 600_000 }, () => {
  let prometheus: ServedPrometheus;
  let truth: GroundTruth;
  let findings: Finding[];
  let json: {
    missing: string[];
    findings: Finding[];
    series: { family: string; found: string[] }[];
  };
  let table: string;
  const dir = mkdtempSync(join(tmpdir(), 'plimsoll-scan-'));

  before(async () => {
    // The Prometheus binaries come with the service's install.
    await requireServices('prometheus');
    truth = groundTruth(sim, { from: START, to: END });
    prometheus = await serve();
    const out = join(dir, 'scan.json');
    const run = await runCli(scanArgs(prometheus.url, '-f', 'json', '-o', out), {}, 300_000);
    assert.equal(run.code, 0, run.stderr);
    json = JSON.parse(readFileSync(out, 'utf8')) as typeof json;
    findings = json.findings;
    const tableRun = await runCli(scanArgs(prometheus.url, '--no-progress'), {}, 300_000);
    assert.equal(tableRun.code, 0, tableRun.stderr);
    table = tableRun.stdout;
  });

  after(async () => {
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds every OOM loop still killing in the last day, and no other', () => {
    const lastDay = END - DAY;
    const expected = truth.oomLoops
      .filter((l) => l.kills.filter((k) => k.at >= lastDay).length >= 3)
      .map((l) => workloadText(l.workload, l.container));
    const planted = new Set(truth.oomLoops.map((l) => workloadText(l.workload, l.container)));
    const found = findings
      .filter((f) => f.kind === 'oom_loop' && f.subject.type === 'workload_container')
      .map((f) =>
        f.subject.type === 'workload_container'
          ? workloadText(f.subject.workload, f.subject.container)
          : '',
      );
    assert.ok(expected.length > 0, 'the scenario has loops in its last day');
    for (const loop of expected) assert.ok(found.includes(loop), `missed the OOM loop of ${loop}`);
    for (const loop of found)
      assert.ok(planted.has(loop), `an OOM loop where none was planted: ${loop}`);
    // The table names each, under its namespace, with its next step.
    for (const loop of expected) {
      const [namespace] = loop.split('/');
      assert.match(table, new RegExp(`Namespace ${namespace}\\n`));
      assert.ok(table.includes(loop), `the table lacks ${loop}`);
    }
    assert.match(table, /Next: /);
  });

  it('finds the nodes that flapped under memory pressure in the window, and no other', () => {
    const flapped = truth.flappingNodes.filter((n) => n.episodes.length > 0).map((n) => n.node);
    const planted = new Set(truth.flappingNodes.map((n) => n.node));
    const found = findings
      .filter((f) => f.kind === 'node_memory_flapping' && f.subject.type === 'node')
      .map((f) => (f.subject.type === 'node' ? f.subject.node : ''));
    for (const node of flapped) assert.ok(found.includes(node), `missed flapping node ${node}`);
    for (const node of found)
      assert.ok(planted.has(node), `flapping where none was planted: ${node}`);
  });

  it('says which series it read, and that none it needs is missing', () => {
    assert.deepEqual(json.missing, []);
    const pods = json.series.find((s) => s.family === 'kube-state-metrics pods')!;
    assert.deepEqual(pods.found, ['kube_pod_info']);
  });

  it('gives the recommendations as kubectl-ready patches with -f yaml', async () => {
    const run = await runCli(scanArgs(prometheus.url, '-f', 'yaml', '--no-progress'), {}, 300_000);
    assert.equal(run.code, 0, run.stderr);
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS() as Record<string, unknown>);
    const patches = docs.filter((d) => d && d.kind && d.spec);
    const recommended = findings.filter((f) => f.kind === 'recommendation');
    assert.ok(recommended.length > 0, 'the scan recommends something');
    assert.ok(patches.length > 0, run.stdout.slice(0, 500));
    for (const patch of patches) {
      const containers = (
        patch.spec as { template: { spec: { containers: { name: string; resources: unknown }[] } } }
      ).template.spec.containers;
      assert.ok(
        containers.every((c) => c.name && c.resources),
        JSON.stringify(patch),
      );
    }
  });

  it('exits 3 with --fail-on when a finding at that severity is open', async () => {
    const critical = findings.some((f) => f.severity === 'critical');
    assert.ok(critical, 'the scenario has a critical finding');
    const run = await runCli(
      scanArgs(prometheus.url, '--fail-on', 'critical', '-f', 'csv', '--no-progress'),
      {},
      300_000,
    );
    assert.equal(run.code, FINDINGS_EXIT, run.stderr);
    assert.match(run.stdout.split('\n')[0]!, /^namespace,severity,status,verdict,subject,/);
    // Only the namespaces asked for: their findings, and the nodes'.
    const namespace = findings.find((f) => f.subject.type === 'workload_container')!;
    const ns =
      namespace.subject.type === 'workload_container' ? namespace.subject.workload.namespace : '';
    const only = await runCli(
      scanArgs(prometheus.url, '--namespace', ns, '-f', 'json', '--no-progress'),
      {},
      300_000,
    );
    assert.equal(only.code, 0, only.stderr);
    const scoped = (JSON.parse(only.stdout) as typeof json).findings;
    assert.ok(scoped.length > 0);
    for (const f of scoped) {
      if (f.subject.type === 'workload_container' || f.subject.type === 'workload') {
        assert.equal(f.subject.workload.namespace, ns);
      }
    }
  });

  it('scans only the pods a label selector picks, and refuses one that picks none', async () => {
    const workloadsOf = (team: string) =>
      sim.model.workloads.filter((w) => w.labels.team === team).map((w) => w.name);
    const shop = workloadsOf('shop');
    assert.ok(shop.length >= 2, 'team shop has several workloads');
    const run = await runCli(
      scanArgs(
        prometheus.url,
        '--selector',
        `team=shop,app!=${shop[1]}`,
        '-f',
        'json',
        '--no-progress',
      ),
      {},
      300_000,
    );
    assert.equal(run.code, 0, run.stderr);
    const scoped = (JSON.parse(run.stdout) as typeof json).findings;
    const named = scoped.flatMap((f) =>
      f.subject.type === 'workload_container' || f.subject.type === 'workload'
        ? [f.subject.workload.name]
        : [],
    );
    assert.ok(named.length > 0, 'the selected workloads have findings');
    for (const name of named) {
      assert.ok(name !== shop[1] && shop.includes(name), `${name} is not selected`);
    }
    // The full scan has findings about workloads the selector left out.
    assert.ok(
      findings.some(
        (f) => f.subject.type === 'workload_container' && !shop.includes(f.subject.workload.name),
      ),
    );

    const none = await runCli(
      scanArgs(prometheus.url, '-l', 'app=nowhere', '--no-progress'),
      {},
      300_000,
    );
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--selector app=nowhere: no pod of the window has these labels/);
    assert.match(none.stderr, /--metric-labels-allowlist=pods=\[app\]/);

    const badSyntax = await runCli(scanArgs(prometheus.url, '-l', 'team in (shop)'), {}, 60_000);
    assert.equal(badSyntax.code, 2, badSyntax.stderr);
    assert.match(badSyntax.stderr, /set-based selectors such as "in" are not supported/);
  });
});

describe('plimsoll scan on a Prometheus that lacks series', { timeout: 600_000 }, () => {
  it('says what is missing and what it costs, and still scans', async () => {
    await requireServices('prometheus');
    const noTimestamps = await serve({
      omit: ['kube_pod_container_status_last_terminated_timestamp'],
    });
    try {
      const run = await runCli(
        scanArgs(noTimestamps.url, '-f', 'json', '--no-progress'),
        {},
        300_000,
      );
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as { missing: string[]; findings: Finding[] };
      assert.deepEqual(result.missing, [
        'no kube-state-metrics last termination timestamp (kube_pod_container_status_last_terminated_timestamp): kill times are approximate to the step (the restart counter’s rise is used)',
      ]);
      assert.ok(
        result.findings.some((f) => f.kind === 'oom_loop'),
        'OOM loops are still found',
      );
      const table = await runCli(scanArgs(noTimestamps.url, '--no-progress'), {}, 300_000);
      assert.match(table.stdout, /Missing: no kube-state-metrics last termination timestamp/);
    } finally {
      await noTimestamps.stop();
    }
  });

  it('reads kube-state-metrics v1 names, and says so', async () => {
    const v1 = await serve({ ksmVersion: 1 });
    try {
      const run = await runCli(scanArgs(v1.url, '-f', 'json', '--no-progress'), {}, 300_000);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as {
        missing: string[];
        findings: Finding[];
        series: { family: string; found: string[] }[];
      };
      const requests = result.series.find(
        (s) => s.family === 'kube-state-metrics requests and limits',
      )!;
      assert.ok(
        requests.found.length > 0 &&
          requests.found.every((n) => /_(cpu_cores|memory_bytes)$/.test(n)),
        JSON.stringify(requests),
      );
      assert.ok(result.findings.some((f) => f.kind === 'oom_loop'));
    } finally {
      await v1.stop();
    }
  });

  it('fails with what to check when the Prometheus has no kube-state-metrics', async () => {
    // node-exporter alone: memory of the nodes, and not one pod.
    const bare = await servePrometheusFromOpenMetrics({
      write: async (out) => {
        out.write('# TYPE node_memory_MemAvailable_bytes gauge\n');
        for (let t = END - 2 * HOUR; t < END; t += STEP) {
          out.write(
            `node_memory_MemAvailable_bytes{instance="n1:9100"} ${8 * 2 ** 30} ${t / 1000}\n`,
          );
        }
        out.write('# EOF\n');
        return Promise.resolve();
      },
    });
    try {
      const run = await runCli(scanArgs(bare.url, '--no-progress'), {}, 300_000);
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /has no kube_pod_info series .*Is kube-state-metrics scraped by it\?/,
      );
    } finally {
      await bare.stop();
    }
  });
});
