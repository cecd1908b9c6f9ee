// OOM scenarios: a slow leak killed every 3-6 h (never a sustained CrashLoopBackOff), a JVM whose
// heap does not fit its limit (dies within a minute of each start: CrashLoopBackOff), load spikes
// that cross the limit, and a single OOM that is an event rather than a loop.
import type { ClusterBuilder } from '../model/builder.js';
import { DAY, HOUR, MI } from '../model/types.js';
import { addDaemonSets, addServices } from './catalog.js';

export function addSlowLeak(b: ClusterBuilder): void {
  b.addWorkload({
    kind: 'Deployment',
    namespace: 'search',
    name: 'suggest-cache',
    replicas: 2,
    labels: { app: 'suggest-cache', team: 'discovery' },
    containers: [
      {
        name: 'suggest',
        image: 'registry.example.com/search/suggest-cache:3.4.1',
        requests: { cpuCores: 0.2, memoryBytes: 512 * MI },
        limits: { memoryBytes: 1024 * MI },
        port: 8080,
        usage: { cpuCores: 0.12, cpuAmplitude: 0.4, memoryBytes: 300 * MI, memoryAmplitude: 0.05 },
        behaviour: { kind: 'leak', minHours: 3, maxHours: 6 },
        logStyle: 'cache',
      },
    ],
    // Deploys replace the pods (new names) but the leak follows the workload.
    rolloutEveryMs: Math.round(2.5 * DAY),
    rolloutPhaseMs: Math.round(10 * HOUR),
  });
}

export function addStartupOom(b: ClusterBuilder): void {
  b.addWorkload({
    kind: 'Deployment',
    namespace: 'catalog',
    name: 'pricing-engine',
    replicas: 1,
    labels: { app: 'pricing-engine', team: 'shop' },
    containers: [
      {
        name: 'app',
        image: 'registry.example.com/catalog/pricing-engine:5.0.2',
        requests: { cpuCores: 0.5, memoryBytes: 1024 * MI },
        limits: { cpuCores: 2, memoryBytes: 1536 * MI },
        args: ['-Xms2g', '-Xmx2g', '-XX:+UseG1GC', '-jar', '/app/pricing-engine.jar'],
        env: [
          { name: 'JAVA_TOOL_OPTIONS', value: '-XX:+ExitOnOutOfMemoryError -Dfile.encoding=UTF-8' },
        ],
        port: 8080,
        usage: { cpuCores: 0.9, cpuAmplitude: 0.1, memoryBytes: 1400 * MI, memoryAmplitude: 0 },
        behaviour: { kind: 'startup-oom', minRunSeconds: 18, maxRunSeconds: 55 },
        logStyle: 'jvm',
      },
    ],
    rolloutEveryMs: Math.round(3 * DAY),
    rolloutPhaseMs: Math.round(14 * HOUR),
  });
}

export function addSpikeOom(b: ClusterBuilder): void {
  b.addWorkload({
    kind: 'Deployment',
    namespace: 'checkout',
    name: 'cart-api',
    replicas: 3,
    labels: { app: 'cart-api', team: 'shop' },
    containers: [
      {
        name: 'cart',
        image: 'registry.example.com/checkout/cart-api:8.12.0',
        requests: { cpuCores: 0.3, memoryBytes: 512 * MI },
        limits: { memoryBytes: 768 * MI },
        port: 8080,
        usage: { cpuCores: 0.25, cpuAmplitude: 0.5, memoryBytes: 420 * MI, memoryAmplitude: 0.15 },
        behaviour: { kind: 'spike', killsPerDay: 1.5 },
        logStyle: 'web',
      },
    ],
    rolloutEveryMs: Math.round(4 * DAY),
    rolloutPhaseMs: Math.round(11 * HOUR),
  });
}

export function addSingleOom(b: ClusterBuilder): void {
  b.addWorkload({
    kind: 'Deployment',
    namespace: 'data',
    name: 'nightly-export',
    replicas: 1,
    labels: { app: 'nightly-export', team: 'data' },
    containers: [
      {
        name: 'exporter',
        image: 'registry.example.com/data/nightly-export:1.3.0',
        requests: { cpuCores: 0.1, memoryBytes: 256 * MI },
        limits: { memoryBytes: 512 * MI },
        usage: { cpuCores: 0.05, cpuAmplitude: 0.2, memoryBytes: 210 * MI, memoryAmplitude: 0.1 },
        behaviour: {
          kind: 'single-oom',
          at: b.start + Math.round(1.5 * DAY + 2 * HOUR + b.rng.next() * 8 * HOUR),
        },
        logStyle: 'worker',
      },
    ],
    rolloutEveryMs: null,
    rolloutPhaseMs: 0,
  });
}

export type OomKind = 'slow-leak' | 'startup' | 'spike' | 'all';

export function oom(kind: OomKind) {
  return (b: ClusterBuilder, nodes = 8): void => {
    b.addPool({
      name: 'general',
      count: nodes,
      instanceType: 'm5.2xlarge',
      cpuCores: 8,
      memoryGi: 32,
      style: 'eks',
    });
    addDaemonSets(b);
    if (kind === 'slow-leak' || kind === 'all') addSlowLeak(b);
    if (kind === 'startup' || kind === 'all') addStartupOom(b);
    if (kind === 'spike' || kind === 'all') addSpikeOom(b);
    addSingleOom(b);
    addServices(b, nodes * 14);
  };
}
