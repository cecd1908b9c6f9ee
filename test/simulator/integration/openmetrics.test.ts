// A 7-day OpenMetrics export of `mixed` that promtool turns into TSDB blocks and Debian's
// Prometheus serves: `promtool query instant` returns kube_node_status_condition for it.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { requireServices } from '../../support/services.js';
import { createSimulation, exportOpenMetrics, groundTruth } from '../../../simulator/index.js';
import { freePort } from '../../../core/free-port.js';

const run = promisify(execFile);
const START = Date.UTC(2025, 0, 6);
const DAY = 86_400_000;

describe('OpenMetrics export', () => {
  let dir: string;
  let prometheus: ChildProcess | undefined;
  let url: string;
  const sim = createSimulation({ scenario: 'mixed', nodes: 2, seed: 11, start: START });

  before(async () => {
    await requireServices('prometheus');
    dir = await mkdtemp(join(tmpdir(), 'plimsoll-om-'));
  });
  after(async () => {
    prometheus?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'exports 7 days that promtool turns into blocks and Prometheus serves',
    { timeout: 300_000 },
    async () => {
      const file = join(dir, 'mixed.om');
      const out = createWriteStream(file);
      const started = Date.now();
      const summary = await exportOpenMetrics(sim, out, {
        from: START,
        to: START + 7 * DAY,
        stepMs: 300_000,
      });
      await new Promise<void>((resolve, reject) =>
        out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      process.stderr.write(
        `export: ${summary.series} series, ${summary.samples} samples, ${Math.round(summary.bytes / 1e6)} MB in ${Date.now() - started} ms\n`,
      );
      // The file is hundreds of MB: only its end is read.
      const handle = await open(file);
      const { size } = await handle.stat();
      const tail = Buffer.alloc(6);
      await handle.read(tail, 0, 6, size - 6);
      await handle.close();
      assert.equal(tail.toString(), '# EOF\n');
      assert.equal(size, summary.bytes);
      // Large blocks: promtool re-reads the file once per block range.
      await run(
        'promtool',
        [
          'tsdb',
          'create-blocks-from',
          'openmetrics',
          '--max-block-duration=168h',
          file,
          join(dir, 'data'),
        ],
        { timeout: 60_000, maxBuffer: 16 << 20 },
      );

      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      await writeFile(
        join(dir, 'prometheus.yml'),
        'global:\n  scrape_interval: 1m\nscrape_configs: []\n',
      );
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          '--storage.tsdb.retention.time=3650d',
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: 'ignore' },
      );
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ready = await fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready) break;
        assert.ok(Date.now() < deadline, 'prometheus became ready');
        await new Promise((r) => setTimeout(r, 250));
      }
      const at = new Date(START + 3 * DAY + 12 * 3_600_000).toISOString();
      const { stdout } = await run('promtool', [
        'query',
        'instant',
        `--time=${at}`,
        url,
        'kube_node_status_condition{condition="Ready",status="true"}',
      ]);
      for (const node of sim.model.nodes)
        assert.match(stdout, new RegExp(`node="${node.name.replaceAll('.', '\\.')}"`));

      // The history agrees with the ground truth: the leak's OOMs are in Prometheus.
      const truth = groundTruth(sim, { from: START, to: START + 7 * DAY });
      const leak = truth.oomLoops.find((l) => l.kind === 'slow_leak');
      assert.ok(leak);
      const restarts = await run('promtool', [
        'query',
        'instant',
        `--time=${new Date(START + 7 * DAY - 600_000).toISOString()}`,
        url,
        `sum(changes(kube_pod_container_status_restarts_total{namespace="search",container="suggest"}[7d]))`,
      ]);
      const counted = Number(/=> ([\d.]+)/.exec(restarts.stdout)?.[1]);
      assert.ok(
        Math.abs(counted - leak.kills.length) <= 2,
        `prometheus counts ${counted} restarts, ground truth ${leak.kills.length} kills`,
      );
    },
  );
});
