import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parsePrometheusText,
  PrometheusTextParser,
  typeOfSample,
  type Sample,
} from '../../../collectors/formats/prometheus-text.js';
import { fixture } from './fixtures.js';

function find(samples: readonly Sample[], name: string, labels: Record<string, string> = {}) {
  return samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

describe('parsePrometheusText on real captures', () => {
  it('reads the kube-state-metrics v1 scrape without errors', () => {
    const out = parsePrometheusText(fixture('datadog-kube-state-metrics.txt'));
    assert.equal(out.errorCount, 0);
    assert.equal(out.samples.length, 622);
    assert.equal(out.types.size, 110);
    assert.equal(out.types.get('kube_pod_container_status_restarts'), 'counter');
    assert.deepEqual(find(out.samples, 'kube_node_status_allocatable_memory_bytes'), [
      {
        name: 'kube_node_status_allocatable_memory_bytes',
        labels: { node: 'minikube' },
        value: 1992372224,
      },
    ]);
    // Quoted values with blanks must not end the label set.
    const [cron] = find(out.samples, 'kube_cronjob_info');
    assert.equal(cron?.labels.schedule, '*/1 * * * *');
    const [nodeInfo] = find(out.samples, 'kube_node_info');
    assert.equal(nodeInfo?.labels.os_image, 'Buildroot 2017.02');
    assert.equal(nodeInfo?.labels.provider_id, '');
    const [oom] = find(out.samples, 'kube_pod_container_status_terminated_reason', {
      reason: 'OOMKilled',
    });
    assert.deepEqual(oom?.labels, {
      container: 'container2',
      namespace: 'ns2',
      pod: 'pod2',
      reason: 'OOMKilled',
    });
    assert.equal(oom?.value, 1);
  });

  it('reads the cAdvisor golden exposition, small exponents included', () => {
    const out = parsePrometheusText(fixture('cadvisor-prometheus_metrics.txt'));
    assert.equal(out.errorCount, 0);
    assert.equal(out.samples.length, 80);
    assert.equal(out.types.get('container_cpu_usage_seconds_total'), 'counter');
    const cpu = find(out.samples, 'container_cpu_usage_seconds_total').map((s) => s.value);
    assert.deepEqual(cpu, [2e-9, 3e-9, 4e-9, 5e-9]);
    const [ws] = find(out.samples, 'container_memory_working_set_bytes');
    assert.equal(ws?.value, 9);
    assert.equal(ws?.labels.id, 'testcontainer');
    assert.equal(find(out.samples, 'process_resident_memory_bytes')[0]?.value, 7.74144e6);
  });
});

describe('syntax', () => {
  it('unescapes \\" \\\\ and \\n in label values and keeps unknown escapes verbatim', () => {
    const text = String.raw`m{a="x\"y\\z\nw",b="tab\there",c="end\\"} 1` + '\n';
    const out = parsePrometheusText(text);
    assert.equal(out.errorCount, 0);
    assert.deepEqual(out.samples[0]?.labels, {
      a: 'x"y\\z\nw',
      b: 'tab\\there',
      c: 'end\\',
    });
  });

  const values: [string, number][] = [
    ['NaN', NaN],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['Inf', Infinity],
    ['1.5e+09', 1.5e9],
    ['-0.25', -0.25],
    ['0x10', 16],
  ];
  for (const [token, expected] of values) {
    it(`value ${token}`, () => {
      const out = parsePrometheusText(`m ${token}\n`);
      assert.equal(out.errorCount, 0);
      assert.ok(Object.is(out.samples[0]?.value, expected), `got ${out.samples[0]?.value}`);
    });
  }

  it('keeps integer millisecond timestamps and ignores exemplars', () => {
    const out = parsePrometheusText(
      [
        'a_total{x="1"} 5 1700000000123',
        'b_bucket{le="0.5"} 3 # {trace_id="abc"} 0.4 1700000000.5',
        'c 7 1700000000000 # {trace_id="def"} 1',
        '  d\t{ x = "1" , y="2", }\t8  ',
      ].join('\n'),
    );
    assert.equal(out.errorCount, 0);
    assert.deepEqual(out.samples, [
      { name: 'a_total', labels: { x: '1' }, value: 5, timestampMs: 1700000000123 },
      { name: 'b_bucket', labels: { le: '0.5' }, value: 3 },
      { name: 'c', labels: {}, value: 7, timestampMs: 1700000000000 },
      { name: 'd', labels: { x: '1', y: '2' }, value: 8 },
    ]);
  });

  it('reads OpenMetrics: # UNIT, # EOF, _total families and float-second timestamps', () => {
    const text = [
      '# TYPE http_requests counter',
      '# UNIT http_requests requests',
      '# HELP http_requests Requests\\nserved, with \\\\ escapes',
      'http_requests_total{code="200"} 10 1700000000.25',
      'http_requests_created{code="200"} 1699990000',
      '# EOF',
      'after_eof 1',
      'after_eof 2',
    ].join('\n');
    const out = parsePrometheusText(text, { openMetrics: true });
    assert.equal(out.samples.length, 2);
    assert.equal(out.samples[0]?.timestampMs, 1700000000250);
    assert.equal(out.units.get('http_requests'), 'requests');
    assert.equal(out.help.get('http_requests'), 'Requests\nserved, with \\ escapes');
    assert.equal(typeOfSample('http_requests_total', out.types), 'counter');
    assert.equal(typeOfSample('http_requests_created', out.types), 'counter');
    assert.equal(typeOfSample('unrelated_total', out.types), undefined);
    // Content after # EOF is reported once, not per line.
    assert.deepEqual(
      out.errors.map((e) => [e.line, e.message]),
      [[7, 'content after # EOF ignored']],
    );
  });

  it('accepts Prometheus 3 quoted UTF-8 metric and label names', () => {
    const out = parsePrometheusText(
      '{"http.server.duration", "service.name"="api", code="200"} 3\n',
    );
    assert.equal(out.errorCount, 0);
    assert.deepEqual(out.samples[0], {
      name: 'http.server.duration',
      labels: { 'service.name': 'api', code: '200' },
      value: 3,
    });
  });

  it('handles CRLF line ends and a missing final newline', () => {
    const out = parsePrometheusText('# TYPE up gauge\r\nup 1\r\nup{a="b"} 0');
    assert.equal(out.errorCount, 0);
    assert.deepEqual(
      out.samples.map((s) => s.value),
      [1, 0],
    );
  });

  it('keeps a label literally named __proto__ as data', () => {
    const out = parsePrometheusText('m{__proto__="x",a="y"} 1\n');
    assert.equal(out.errorCount, 0);
    const labels = out.samples[0]?.labels ?? {};
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.deepEqual(Object.entries(labels), [
      ['__proto__', 'x'],
      ['a', 'y'],
    ]);
  });
});

describe('bad lines are reported with their line number and skipped', () => {
  const lines = [
    '# TYPE up gauge', // 1
    'up{job="a"} 1', // 2
    'this is garbage', // 3
    'up{job="b",job="c"} 1', // 4
    'up{job="c"} 1 1700000000000', // 5
    'up{job="d" 1', // 6
    'up{job="e"} abc', // 7
    'up{job="f"}', // 8
    '# TYPE up nonsense', // 9
    'up{job="g"} 2 1.5', // 10
    'up{job=h} 3', // 11
    '9up 1', // 12
    'up{job="i"} 4 1700000000000 extra', // 13
    'up{job="j\\"} 5', // 14
    '', // 15
    'up{job="k"} 6', // 16
  ];
  const out = parsePrometheusText(lines.join('\n'));

  it('keeps the good samples', () => {
    assert.deepEqual(
      out.samples.map((s) => [s.labels.job, s.value]),
      [
        ['a', 1],
        ['c', 1],
        ['k', 6],
      ],
    );
    assert.equal(out.sampleCount, 3);
  });

  const expected: [number, RegExp][] = [
    [3, /invalid character|invalid value/],
    [4, /duplicate label "job"/],
    [6, /expected ',' or '}'/],
    [7, /invalid value "abc"/],
    [8, /missing sample value/],
    [9, /unknown metric type "nonsense"/],
    [10, /not integer milliseconds/],
    [11, /not quoted/],
    [12, /expected a metric name/],
    [13, /unexpected text/],
    [14, /unterminated/],
  ];
  it('reports each bad line once, in order, with a reason', () => {
    assert.equal(out.errorCount, expected.length);
    assert.deepEqual(
      out.errors.map((e) => e.line),
      expected.map(([line]) => line),
    );
    for (const [index, [line, pattern]] of expected.entries()) {
      const error = out.errors[index];
      assert.match(error?.message ?? '', pattern, `line ${line}: ${error?.message}`);
      assert.equal(error?.text, lines[line - 1]);
    }
  });

  it('still records the valid # TYPE', () => {
    assert.equal(out.types.get('up'), 'gauge');
  });

  it('counts every error but keeps at most maxErrors of them', () => {
    const garbage = Array.from({ length: 50 }, (_, i) => `bad line ${i}`).join('\n');
    const capped = parsePrometheusText(`${garbage}\nok 1\n`, { maxErrors: 10 });
    assert.equal(capped.errorCount, 50);
    assert.equal(capped.errors.length, 10);
    assert.equal(capped.errors[9]?.line, 10);
    assert.deepEqual(capped.samples, [{ name: 'ok', labels: {}, value: 1 }]);
  });
});

describe('PrometheusTextParser (streaming)', () => {
  it('gives the same samples and line numbers whatever the chunking', () => {
    const text = `${fixture('datadog-kube-state-metrics.txt')}garbage here\nafter 1\n`;
    const whole = parsePrometheusText(text);
    for (const size of [1, 7, 4096]) {
      const samples: Sample[] = [];
      const parser = new PrometheusTextParser((s) => samples.push(s));
      for (let i = 0; i < text.length; i += size) parser.write(text.slice(i, i + size));
      const summary = parser.end();
      assert.deepEqual(samples, whole.samples, `chunk size ${size}`);
      assert.deepEqual(summary.errors, whole.errors);
      assert.equal(summary.types.size, whole.types.size);
    }
    assert.equal(whole.errors[0]?.line, 842);
  });

  it('skips an overlong line without buffering it, then carries on', () => {
    const samples: Sample[] = [];
    const parser = new PrometheusTextParser((s) => samples.push(s), { maxLineLength: 1000 });
    parser.write('before 1\nhuge{a="');
    for (let i = 0; i < 100; i++) parser.write('x'.repeat(500));
    parser.write('"} 1\nafter 2\n');
    const summary = parser.end();
    assert.deepEqual(
      samples.map((s) => s.name),
      ['before', 'after'],
    );
    assert.equal(summary.errorCount, 1);
    assert.equal(summary.errors[0]?.line, 2);
    assert.match(summary.errors[0]?.message ?? '', /longer than 1000/);
    assert.ok((summary.errors[0]?.text.length ?? 0) <= 160);
  });
});

describe('a 30 MB kube-state-metrics exposition', () => {
  it('parses every sample (time printed, not asserted)', (t) => {
    const lines: string[] = [];
    const pods = 30_000;
    for (let p = 0; p < pods; p++) {
      const base = `namespace="team-${p % 40}",pod="api-${p % 900}-7d9f8c6b5-${p.toString(36)}",uid="5f2d1c0e-${(p % 65536).toString(16).padStart(4, '0')}-4c1e-9a77-0b6e8d2a${p.toString(16).padStart(4, '0')}"`;
      lines.push(
        `kube_pod_info{${base},host_ip="10.0.${p % 250}.1",pod_ip="10.1.${p % 250}.${p % 200}",node="node-${p % 300}",created_by_kind="ReplicaSet",created_by_name="api-${p % 900}-7d9f8c6b5"} 1`,
        `kube_pod_owner{${base},owner_kind="ReplicaSet",owner_name="api-${p % 900}-7d9f8c6b5",owner_is_controller="true"} 1`,
        `kube_pod_status_phase{${base},phase="Running"} 1`,
        `kube_pod_container_resource_requests{${base},container="app",node="node-${p % 300}",resource="memory",unit="byte"} 5.36870912e+08`,
        `kube_pod_container_resource_limits{${base},container="app",node="node-${p % 300}",resource="memory",unit="byte"} 1.073741824e+09`,
        `kube_pod_container_status_restarts_total{${base},container="app"} ${p % 7}`,
        `kube_pod_container_status_last_terminated_reason{${base},container="app",reason="OOMKilled"} ${p % 3 === 0 ? 1 : 0}`,
      );
    }
    const text = `${lines.join('\n')}\n`;
    const started = performance.now();
    const out = parsePrometheusText(text);
    const elapsed = performance.now() - started;
    const megabytes = text.length / 1e6;
    t.diagnostic(
      `${megabytes.toFixed(1)} MB, ${out.samples.length} samples in ${elapsed.toFixed(0)} ms (${(megabytes / (elapsed / 1000)).toFixed(0)} MB/s)`,
    );
    assert.ok(megabytes > 25, `exposition is ${megabytes} MB`);
    assert.equal(out.errorCount, 0);
    assert.equal(out.samples.length, pods * 7);
    const last = out.samples.at(-1);
    assert.equal(last?.labels.reason, 'OOMKilled');
    assert.equal(last?.value, (pods - 1) % 3 === 0 ? 1 : 0);
  });
});
