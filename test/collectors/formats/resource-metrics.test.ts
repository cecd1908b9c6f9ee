import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheusText } from '../../../collectors/formats/prometheus-text.js';
import { CounterRates, mapKubeletMetrics } from '../../../collectors/formats/resource-metrics.js';
import { fixture } from './fixtures.js';

const cluster = 'c1';
const T = 1_700_000_000_000;
const UID = '0adffe8e-9849-4e05-b4cd-92d2d1e1f1c3';
const CID = '6b53931d2126fb164c5f139d348c292f5ea0449ab437c13e5cc883a9cad1ae5d';

function scrape(text: string, rates: CounterRates, scrapedAtMs = T) {
  const parsed = parsePrometheusText(text);
  assert.equal(parsed.errorCount, 0, JSON.stringify(parsed.errors));
  return mapKubeletMetrics(parsed.samples, { cluster, node: 'node-1', scrapedAtMs, rates });
}

describe('cAdvisor golden exposition (no pod labels)', () => {
  it('parses the working set of testcontainer but skips it, counted as a non-pod series', () => {
    const parsed = parsePrometheusText(fixture('cadvisor-prometheus_metrics.txt'));
    const ws = parsed.samples.find((s) => s.name === 'container_memory_working_set_bytes');
    assert.equal(ws?.value, 9);
    assert.equal(ws?.labels.id, 'testcontainer');
    const result = mapKubeletMetrics(parsed.samples, {
      cluster,
      scrapedAtMs: T,
      rates: new CounterRates(),
    });
    assert.deepEqual(result.samples, []);
    assert.deepEqual(result.facts, []);
    // 4 per-CPU usage series + working set + start time, all without namespace/pod.
    assert.deepEqual(result.skipped, {
      no_pod_labels: 6,
      pod_aggregate: 0,
      pause_container: 0,
      first_observation: 0,
      invalid_value: 0,
    });
  });
});

const resource = (cpu: number, nodeCpu: number, ts: number) => `
# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="coredns",namespace="kube-system",pod="coredns-5d78c9869d-8x2lk"} ${cpu} ${ts}
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="coredns",namespace="kube-system",pod="coredns-5d78c9869d-8x2lk"} 2.1e+07 ${ts}
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="coredns",namespace="kube-system",pod="coredns-5d78c9869d-8x2lk"} 1.6999e+09 ${ts}
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total ${nodeCpu} ${ts}
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1.5e+09 ${ts}
# TYPE pod_cpu_usage_seconds_total counter
pod_cpu_usage_seconds_total{namespace="kube-system",pod="coredns-5d78c9869d-8x2lk"} ${cpu} ${ts}
# TYPE pod_memory_working_set_bytes gauge
pod_memory_working_set_bytes{namespace="kube-system",pod="coredns-5d78c9869d-8x2lk"} 2.2e+07 ${ts}
# TYPE scrape_error gauge
scrape_error 0
`;

describe('/metrics/resource', () => {
  it('rates need a previous scrape; then CPU counters become cores', () => {
    const rates = new CounterRates();
    const first = scrape(resource(12.5, 1000, T), rates);
    assert.deepEqual(
      first.samples.map((s) => [s.metric, s.value]),
      [
        ['memory_working_set_bytes', 2.1e7],
        ['node_memory_working_set_bytes', 1.5e9],
      ],
    );
    assert.equal(first.skipped.first_observation, 2);
    assert.equal(first.skipped.pod_aggregate, 2);
    assert.deepEqual(first.facts, [
      {
        namespace: 'kube-system',
        pod: 'coredns-5d78c9869d-8x2lk',
        container: 'coredns',
        timestamp: T,
        startedAtMs: 1.6999e12,
      },
    ]);

    const second = scrape(resource(17.5, 1020, T + 10_000), rates);
    const cpu = second.samples.filter((s) => s.metric.endsWith('cpu_usage_cores'));
    assert.deepEqual(
      cpu.map((s) => [s.metric, s.value, s.timestamp, s.container, s.node]),
      [
        ['node_cpu_usage_cores', 2, T + 10_000, undefined, 'node-1'],
        ['cpu_usage_cores', 0.5, T + 10_000, 'coredns', 'node-1'],
      ],
    );
    assert.equal(second.skipped.first_observation, 0);
    assert.equal(second.scrapeErrors, 0);
  });

  it('re-reading a cached scrape (same timestamps) yields no rate and keeps the state', () => {
    const rates = new CounterRates();
    scrape(resource(10, 100, T), rates);
    const again = scrape(resource(10, 100, T), rates);
    assert.equal(again.samples.filter((s) => s.metric === 'cpu_usage_cores').length, 0);
    const next = scrape(resource(11, 101, T + 1000), rates);
    assert.equal(next.samples.find((s) => s.metric === 'cpu_usage_cores')?.value, 1);
  });

  it('reports scrape_error', () => {
    const result = scrape('scrape_error 1\n', new CounterRates());
    assert.equal(result.scrapeErrors, 1);
    assert.deepEqual(
      result.issues.map((i) => i.path),
      ['scrape_error'],
    );
  });
});

const cadvisor = (throttled: number, periods: number, oom: number, cpu: number) => `
container_cpu_usage_seconds_total{container="",id="/kubepods/burstable/pod${UID}",image="",name="",namespace="kube-system",pod="coredns-x"} 99
container_cpu_usage_seconds_total{container="POD",id="/kubepods/burstable/pod${UID}/aaaa",image="k8s.gcr.io/pause:3.9",name="k8s_POD",namespace="kube-system",pod="coredns-x"} 0.01
container_cpu_usage_seconds_total{container="coredns",cpu="total",id="/kubepods/burstable/pod${UID}/${CID}",image="coredns:1.11",name="k8s_coredns",namespace="kube-system",pod="coredns-x"} ${cpu}
container_memory_working_set_bytes{container="coredns",id="/kubepods/burstable/pod${UID}/${CID}",namespace="kube-system",pod="coredns-x"} 6.25e+06
container_memory_rss{container="coredns",id="/kubepods/burstable/pod${UID}/${CID}",namespace="kube-system",pod="coredns-x"} 6.8e+06
container_cpu_cfs_periods_total{container="coredns",id="/kubepods/burstable/pod${UID}/${CID}",namespace="kube-system",pod="coredns-x"} ${periods}
container_cpu_cfs_throttled_periods_total{container="coredns",id="/kubepods/burstable/pod${UID}/${CID}",namespace="kube-system",pod="coredns-x"} ${throttled}
container_oom_events_total{container="coredns",id="/kubepods/burstable/pod${UID}/${CID}",namespace="kube-system",pod="coredns-x"} ${oom}
container_spec_memory_limit_bytes{container="coredns",id="/kubepods/burstable/pod${UID}/${CID}",namespace="kube-system",pod="coredns-x"} 1.78257920e+08
container_memory_working_set_bytes{container="",id="/",namespace="",pod=""} 3e+09
container_memory_working_set_bytes{container_name="legacy",pod_name="old-pod",namespace="default",id="/kubepods/pod${UID}/${CID}"} 1234
`;

describe('/metrics/cadvisor', () => {
  it('skips the pod cgroup, the pause container and the root cgroup, each by reason', () => {
    const result = scrape(cadvisor(10, 100, 0, 5), new CounterRates());
    assert.equal(result.skipped.pod_aggregate, 1);
    assert.equal(result.skipped.pause_container, 1);
    assert.equal(result.skipped.no_pod_labels, 1);
  });

  it('reads gauges with podUid from the cgroup id, and legacy container_name/pod_name labels', () => {
    const result = scrape(cadvisor(10, 100, 0, 5), new CounterRates());
    assert.deepEqual(
      result.samples.map((s) => [s.metric, s.pod, s.container, s.podUid, s.value]),
      [
        ['memory_working_set_bytes', 'coredns-x', 'coredns', UID, 6.25e6],
        ['memory_rss_bytes', 'coredns-x', 'coredns', UID, 6.8e6],
        ['memory_working_set_bytes', 'old-pod', 'legacy', UID, 1234],
      ],
    );
    assert.deepEqual(result.facts, [
      {
        namespace: 'kube-system',
        pod: 'coredns-x',
        podUid: UID,
        container: 'coredns',
        timestamp: T,
        memoryLimitBytes: 178257920,
      },
    ]);
  });

  it('throttled ratio = Δthrottled / Δperiods; OOM events as an increase', () => {
    const rates = new CounterRates();
    scrape(cadvisor(10, 100, 0, 5), rates, T);
    const second = scrape(cadvisor(60, 200, 1, 6), rates, T + 15_000);
    const pick = (metric: string) => second.samples.find((s) => s.metric === metric)?.value;
    assert.equal(pick('cpu_throttled_ratio'), 0.5);
    assert.equal(pick('cpu_usage_cores'), 1 / 15);
    assert.equal(second.facts[0]?.oomEventsIncrease, 1);
  });

  it('a counter reset counts from zero instead of going negative', () => {
    const rates = new CounterRates();
    scrape(cadvisor(500, 1000, 3, 100), rates, T);
    const second = scrape(cadvisor(5, 10, 0, 2), rates, T + 10_000);
    const pick = (metric: string) => second.samples.find((s) => s.metric === metric)?.value;
    assert.equal(pick('cpu_usage_cores'), 0.2);
    assert.equal(pick('cpu_throttled_ratio'), 0.5);
    assert.equal(second.facts[0]?.oomEventsIncrease, 0);
  });

  it('sums old per-CPU usage series into one container rate', () => {
    const text = (a: number, b: number) =>
      [
        `container_cpu_usage_seconds_total{container_name="app",cpu="cpu00",namespace="n",pod_name="p"} ${a}`,
        `container_cpu_usage_seconds_total{container_name="app",cpu="cpu01",namespace="n",pod_name="p"} ${b}`,
      ].join('\n');
    const rates = new CounterRates();
    scrape(text(1, 2), rates, T);
    const second = scrape(text(3, 4), rates, T + 2000);
    assert.deepEqual(
      second.samples.map((s) => [s.metric, s.value]),
      [['cpu_usage_cores', 2]],
    );
  });

  it('NaN and negative gauges are skipped as invalid', () => {
    const result = scrape(
      'container_memory_working_set_bytes{container="a",namespace="n",pod="p"} NaN\ncontainer_memory_rss{container="a",namespace="n",pod="p"} -1\n',
      new CounterRates(),
    );
    assert.deepEqual(result.samples, []);
    assert.equal(result.skipped.invalid_value, 2);
  });
});

describe('CounterRates', () => {
  it('evicts the least recently updated series beyond maxSeries', () => {
    const rates = new CounterRates({ maxSeries: 2 });
    rates.observe('a', 1, 1000);
    rates.observe('b', 1, 1000);
    rates.observe('a', 2, 2000);
    rates.observe('c', 1, 1000);
    assert.equal(rates.size, 2);
    assert.deepEqual(rates.observe('a', 4, 3000), { increase: 2, seconds: 1 });
    assert.equal(rates.observe('b', 5, 3000), undefined, 'b was evicted');
  });

  it('forgets series not seen since a time; ignores out-of-order points', () => {
    const rates = new CounterRates();
    rates.observe('old', 1, 1000);
    rates.observe('new', 1, 5000);
    assert.equal(rates.forgetOlderThan(2000), 1);
    assert.equal(rates.size, 1);
    assert.equal(rates.rate('new', 0, 4000), undefined);
    assert.equal(rates.rate('new', 3, 7000), 1);
  });
});
