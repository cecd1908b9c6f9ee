// The scan's outputs from one set of findings: the table groups by namespace (nodes apart) with
// the most severe first, CSV keeps a formula-looking cell as text, --fail-on counts findings at or
// above its severity, and the progress line states share, days, rate and what is left.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../../core/domain.js';
import { atOrAbove, CLUSTER_SCOPE, formatScan, scanRows } from '../../scan/format.js';
import { progressLine } from '../../scan/progress.js';
import { autoStepMs, MAX_POINTS_PER_SERIES, type ScanResult } from '../../scan/run.js';
import {
  flappingFinding,
  misfitFinding,
  oomLoopFinding,
  recommendationFinding,
} from '../alerts/findings.js';

const HOUR = 3_600_000;

function result(findings: Finding[]): ScanResult {
  return {
    window: { from: Date.UTC(2026, 10, 2), to: Date.UTC(2026, 10, 16) },
    stepMs: 300_000,
    series: [],
    missing: [
      'no cAdvisor CPU throttling (container_cpu_cfs_throttled_periods_total): CPU throttling is not seen',
    ],
    records: 1234,
    outcomes: [],
    findings,
  };
}

describe('scan output', () => {
  const findings = [recommendationFinding(), flappingFinding(), misfitFinding(), oomLoopFinding()];

  it('groups by namespace, nodes apart, the most severe first', () => {
    const rows = scanRows(findings);
    const namespaces = [...new Set(rows.map((r) => r.namespace))];
    assert.deepEqual(namespaces, [...namespaces].sort());
    assert.ok(namespaces.includes(CLUSTER_SCOPE));
    const table = formatScan(result(findings), 'table');
    assert.match(
      table,
      /^Scanned 14 days to 2026-11-16T00:00:00\.000Z at 300 s steps: 1,234 records, 4 open findings\./,
    );
    assert.match(table, /Missing: no cAdvisor CPU throttling/);
    assert.match(
      table,
      /Nodes and pools\n {2}CRITICAL +node memory flapping · memory pressure — node node-a/,
    );
    for (const f of findings) assert.ok(table.includes(f.recommendation), f.id);
    const ns = oomLoopFinding().subject;
    assert.ok(ns.type === 'workload_container');
    const block = table.slice(table.indexOf(`Namespace ${ns.workload.namespace}\n`));
    assert.match(block, /^Namespace [^\n]+\n {2}CRITICAL/);
    assert.match(formatScan(result([]), 'table'), /No problem found\./);
  });

  it('keeps a formula-looking cell as text in CSV, and the same rows in Markdown and HTML', () => {
    const evil = misfitFinding({ title: '=HYPERLINK("https://evil.example","x")' });
    const csv = formatScan(result([evil]), 'csv');
    assert.match(csv, /,"'=HYPERLINK\(""https:\/\/evil\.example"",""x""\)",/);
    const md = formatScan(result([evil]), 'md');
    assert.match(
      md,
      /\| Severity \| Status \| Verdict \| Subject \| What \| Key numbers \| Next step \|/,
    );
    const html = formatScan(result([evil]), 'html');
    assert.ok(html.includes('=HYPERLINK(&quot;https://evil.example&quot;,&quot;x&quot;)'));
    assert.doesNotMatch(html, /<script/);
  });

  it('counts findings at or above --fail-on', () => {
    const severities = findings.map((f) => f.severity);
    assert.equal(
      atOrAbove(findings, 'critical').length,
      severities.filter((s) => s === 'critical').length,
    );
    assert.equal(
      atOrAbove(findings, 'warning').length,
      severities.filter((s) => s === 'critical' || s === 'warning').length,
    );
  });

  it('draws progress with the share, the days, the rate and an ETA', () => {
    const line = progressLine({
      doneMs: 36 * HOUR,
      totalMs: 144 * HOUR,
      records: 50_000,
      elapsedMs: 10_000,
    });
    assert.equal(
      line,
      '[######..................] 25% · 1.5 of 6.0 days · 50,000 records (5,000/s) · ETA 30s',
    );
  });
});

describe('the scan default step', () => {
  it('reads a minute apart up to three days, then keeps every series at 4,320 points or fewer', () => {
    assert.equal(autoStepMs(1), 60_000);
    assert.equal(autoStepMs(3), 60_000);
    assert.equal(autoStepMs(7), 180_000);
    assert.equal(autoStepMs(14), 300_000);
    assert.equal(autoStepMs(35), 720_000);
    for (const days of [1, 2, 5, 7, 10, 14, 21, 28, 35]) {
      assert.ok((days * 86_400_000) / autoStepMs(days) <= MAX_POINTS_PER_SERIES, `${days} days`);
    }
  });
});
