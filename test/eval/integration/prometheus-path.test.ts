// The evaluation's Prometheus path end to end on a small cluster: two days of `oom-slow-leak` at a
// 5-minute scrape exported as OpenMetrics, served by a real Prometheus, read back by the
// prometheus collector alone and judged in data time. What a user pointing Plimsoll at their
// Prometheus would notice: the leaking container's OOM loop is reported, nothing else is, every
// analyzer's findings agree, and no Prometheus process or temporary file is left behind.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { evaluateScenario, type ScenarioResult } from '../../../eval/evaluate.js';
import { PROMETHEUS_BIN } from '../../../eval/prometheus/tsdb.js';
import { createSimulation } from '../../../simulator/index.js';
import { requireServices } from '../../support/services.js';
import { waitFor } from '../../support/wait.js';

/** Running Prometheus servers with `dir` on their command line. */
const servers = (dir: string) =>
  processesMentioning(dir).filter((p) => p.includes(`${PROMETHEUS_BIN} `));

/** Command lines of running processes that mention `text`. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
  }
  return found;
}

describe('evaluation through a real Prometheus', { timeout: 15 * 60_000 }, () => {
  let workDir: string;
  let result: ScenarioResult;
  let duringRun: string[] = [];

  before(async () => {
    await requireServices('prometheus');
    workDir = mkdtempSync(join(tmpdir(), 'plimsoll-eval-test-'));
    // Seen while it runs: the private Prometheus server lives in workDir (gone afterwards).
    const watch = setInterval(() => {
      if (duringRun.length === 0) duringRun = servers(workDir);
    }, 500);
    try {
      result = await evaluateScenario(
        { scenario: 'oom-slow-leak', nodes: 6, prometheusNodes: 3 },
        { via: 'prometheus', days: 2, stepMs: 5 * 60_000, workDir },
      );
    } finally {
      clearInterval(watch);
    }
  });

  after(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('finds the planted OOM loop from Prometheus data, with its class, and raises nothing else', () => {
    assert.equal(result.via, 'prometheus');
    const threeNodePool = createSimulation({ scenario: 'oom-slow-leak', nodes: 3, seed: 1 });
    assert.equal(result.nodes, threeNodePool.model.nodes.length, 'sized for the Prometheus path');
    // Only what the prometheus collector emits reached the store: no container logs.
    assert.ok((result.records.container_termination ?? 0) > 0, JSON.stringify(result.records));
    assert.ok((result.records.usage_sample ?? 0) > 0, JSON.stringify(result.records));
    assert.equal(result.records.log_line, undefined, 'nothing came from the simulator replay');
    const loops = result.scores.find((s) => s.kind === 'oom_loop')!;
    assert.ok(loops.truths >= 1, 'the scenario plants a loop');
    assert.deepEqual(loops.missed, [], 'every planted loop is found');
    assert.equal(loops.recall, 1);
    assert.deepEqual(loops.falseAlarms, []);
    assert.equal(loops.precision, 1);
    assert.equal(result.oomClasses.table.slow_leak.slow_leak, loops.truths, 'classed a slow leak');
    assert.ok(loops.medianTtdMs !== null && loops.medianTtdMs <= 30 * 60_000);
    assert.equal(result.scores.find((s) => s.kind === 'node_memory_flapping')?.findings, 0);
  });

  it('speaks with one voice: every analyzer on the Prometheus data, no contradicting advice', () => {
    const { openFindings, disagreements, unwindowedCounts } = result.agreement;
    // The loop, and what sizing and capacity say about the same cluster.
    assert.ok(openFindings > 1, `open findings: ${openFindings}`);
    assert.deepEqual(disagreements, []);
    assert.deepEqual(unwindowedCounts, []);
  });

  it('leaves no Prometheus process and no temporary directory behind', async () => {
    assert.ok(duringRun.length > 0, 'a private Prometheus served the history while it ran');
    await waitFor(
      () => processesMentioning(workDir),
      (list) => list.length === 0,
      { timeoutMs: 15_000, intervalMs: 200, what: 'no process using the work directory' },
    );
    assert.deepEqual(readdirSync(workDir), [], 'the temporary directory was removed');
  });
});
