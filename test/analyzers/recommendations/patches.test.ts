import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, parseAllDocuments } from 'yaml';
import { recommendationAnalyzer } from '../../../analyzers/recommendations/analyzer.js';
import {
  recommendationPatches,
  recommendationPatchesYaml,
} from '../../../analyzers/recommendations/patches.js';
import type { Finding } from '../../../core/domain.js';
import { clusterRecords, WINDOW } from './cluster-fixture.js';
import { CLUSTER, storeWith } from './fixtures.js';

function finding(overrides: Partial<Finding>): Finding {
  return {
    id: 'x',
    kind: 'recommendation',
    severity: 'info',
    subject: {
      type: 'workload_container',
      cluster: 'prod',
      workload: { namespace: 'shop', kind: 'StatefulSet', name: 'db' },
      container: 'postgres',
    },
    window: { from: 0, to: 1 },
    title: '',
    evidence: {
      current: { requests: { cpuCores: 1 }, limits: { cpuCores: 2, memoryBytes: 4 * 2 ** 30 } },
      recommended: {
        requests: { cpuCores: 0.25, memoryBytes: 1536 * 2 ** 20 },
        limits: { memoryBytes: 2 * 2 ** 30 },
      },
    },
    explanation: '',
    recommendation: '',
    status: 'open',
    firstSeen: 0,
    lastSeen: 1,
    ...overrides,
  };
}

describe('recommendation patches', () => {
  it('writes a strategic-merge patch at the pod template path, deleting a dropped CPU limit', () => {
    const [patch, ...rest] = recommendationPatches([finding({})]);
    assert.equal(rest.length, 0);
    const doc = parse(patch!.yaml) as Record<string, unknown>;
    assert.deepEqual(doc, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'postgres',
                resources: {
                  requests: { cpu: '250m', memory: '1536Mi' },
                  limits: { cpu: null, memory: '2Gi' },
                },
              },
            ],
          },
        },
      },
    });
    assert.match(
      patch!.yaml,
      /^# kubectl --context prod -n shop patch statefulset\/db --type strategic/,
    );
  });

  it('puts CronJob containers under the job template and groups containers of one workload', () => {
    const cron = { namespace: 'data', kind: 'CronJob', name: 'export' };
    const patches = recommendationPatches([
      finding({
        subject: { type: 'workload_container', cluster: 'prod', workload: cron, container: 'b' },
      }),
      finding({
        subject: { type: 'workload_container', cluster: 'prod', workload: cron, container: 'a' },
      }),
      finding({ kind: 'requests_misfit' }),
      finding({
        subject: {
          type: 'workload_container',
          cluster: 'prod',
          workload: { namespace: 'x', kind: 'Pod', name: 'bare' },
          container: 'c',
        },
      }),
    ]);
    assert.equal(patches.length, 1);
    const doc = parse(patches[0]!.yaml) as {
      apiVersion: string;
      spec: { jobTemplate: { spec: { template: { spec: { containers: { name: string }[] } } } } };
    };
    assert.equal(doc.apiVersion, 'batch/v1');
    assert.deepEqual(
      doc.spec.jobTemplate.spec.template.spec.containers.map((c) => c.name),
      ['a', 'b'],
    );
  });

  it('exports the analyzer findings as one parseable YAML stream', async () => {
    const store = await storeWith(clusterRecords());
    const findings = await recommendationAnalyzer().analyze({
      cluster: CLUSTER,
      window: WINDOW,
      now: WINDOW.to,
      store,
    });
    const docs = parseAllDocuments(recommendationPatchesYaml(findings));
    assert.equal(docs.length, findings.length);
    for (const doc of docs) assert.deepEqual(doc.errors, []);
    const token = docs
      .map(
        (d) =>
          d.toJS() as {
            metadata: { name: string };
            spec: {
              template: {
                spec: { containers: { resources: { limits: Record<string, unknown> } }[] };
              };
            };
          },
      )
      .find((d) => d.metadata.name === 'token-service')!;
    // token-service ran with a 500m CPU limit; Plimsoll's default runs without one.
    assert.equal(token.spec.template.spec.containers[0]!.resources.limits.cpu, null);
  });
});
