// `misfit`: over-requested, under-requested, no requests/limits, memory limit far above the
// request, CPU-throttled, and correctly sized containers.
import type { ClusterBuilder } from '../model/builder.js';
import { DAY, HOUR, MI, type ContainerModel, type MisfitKind } from '../model/types.js';
import { addDaemonSets, addServices, wellSized } from './catalog.js';

function misfitWorkload(
  b: ClusterBuilder,
  namespace: string,
  name: string,
  replicas: number,
  kind: MisfitKind,
  container: ContainerModel,
): void {
  b.addWorkload({
    kind: 'Deployment',
    namespace,
    name,
    replicas,
    labels: { app: name, team: namespace },
    containers: [container],
    rolloutEveryMs: Math.round(5 * DAY),
    rolloutPhaseMs: Math.round(15 * HOUR + b.rng.next() * 3 * DAY),
    misfit: kind,
  });
}

export function addMisfits(b: ClusterBuilder): void {
  const base = (
    name: string,
    image: string,
    cpu: number,
    amp: number,
    mem: number,
    memAmp: number,
  ): ContainerModel => ({
    name,
    image,
    requests: {},
    limits: {},
    port: 8080,
    usage: { cpuCores: cpu, cpuAmplitude: amp, memoryBytes: mem, memoryAmplitude: memAmp },
    behaviour: { kind: 'steady' },
    logStyle: 'web',
  });
  const over = base(
    'store',
    'registry.example.com/ml/feature-store:1.8.0',
    0.15,
    0.3,
    600 * MI,
    0.08,
  );
  over.requests = { cpuCores: 2, memoryBytes: 4096 * MI };
  over.limits = { memoryBytes: 4096 * MI };
  misfitWorkload(b, 'ml', 'feature-store', 4, 'over_requested', over);

  const under = base(
    'query',
    'registry.example.com/search/query-api:6.1.4',
    0.7,
    0.35,
    900 * MI,
    0.1,
  );
  under.requests = { cpuCores: 0.1, memoryBytes: 128 * MI };
  under.limits = { memoryBytes: 2048 * MI };
  misfitWorkload(b, 'search', 'query-api', 3, 'under_requested', under);

  const none = base(
    'frontend',
    'registry.example.com/web/legacy-frontend:0.9.7',
    0.2,
    0.4,
    350 * MI,
    0.1,
  );
  misfitWorkload(b, 'web', 'legacy-frontend', 2, 'no_requests', none);

  const loose = base(
    'worker',
    'registry.example.com/data/etl-worker:2.2.0',
    0.3,
    0.3,
    1200 * MI,
    0.3,
  );
  loose.requests = { cpuCores: 0.4, memoryBytes: 256 * MI };
  loose.limits = { memoryBytes: 8192 * MI };
  misfitWorkload(b, 'data', 'etl-worker', 2, 'limit_far_above_request', loose);

  const throttled = base(
    'token',
    'registry.example.com/auth/token-service:3.0.1',
    0.9,
    0.2,
    300 * MI,
    0.05,
  );
  throttled.requests = { cpuCores: 0.25, memoryBytes: 384 * MI };
  throttled.limits = { cpuCores: 0.5, memoryBytes: 512 * MI };
  misfitWorkload(b, 'auth', 'token-service', 3, 'cpu_throttled', throttled);

  const right = wellSized(
    b,
    'ledger',
    'registry.example.com/payments/ledger:12.4.0',
    0.35,
    700 * MI,
    'web',
  );
  misfitWorkload(b, 'payments', 'ledger-writer', 3, 'right_sized', right);
}

export function misfit(b: ClusterBuilder, nodes = 8): void {
  b.addPool({
    name: 'general',
    count: nodes,
    instanceType: 'm5.2xlarge',
    cpuCores: 8,
    memoryGi: 32,
    style: 'eks',
  });
  addDaemonSets(b);
  addMisfits(b);
  addServices(b, nodes * 14);
}
