// The real kube-apiserver restarts under the kubernetes collector. Its watches drop and it
// reports not-ready; when the server is back, the node watch resumes from a resourceVersion older
// than anything the restarted server's watch cache holds (other objects changed after the node's
// last event, and resourceVersions are cluster-wide), so it is answered 410 Gone and re-lists, and
// the collector then sees what changes after. Stopped while a node's conditions change three
// times, the collector starts again from its checkpoint: it emits the node's net change and
// nothing it had emitted before.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ClientNodeKubeApi } from '../../../collectors/kubernetes/api.js';
import {
  KubernetesCollector,
  kubernetesDefaults,
} from '../../../collectors/kubernetes/collector.js';
import type { DeliveryListener, RecordSink } from '../../../collectors/publisher.js';
import type { AnyEnvelope } from '../../../core/envelope.js';
import type { Telemetry } from '../../../core/telemetry.js';
import { duplicateIds } from '../../collectors/faults/support.js';
import { memoryPipeline } from '../../collectors/support.js';
import { adminConfig, freshNamespace } from '../../support/kube.js';
import { requireServices, setUp } from '../../support/services.js';
import { waitFor } from '../../support/wait.js';

const script = new URL('../../../scripts/services.sh', import.meta.url).pathname;

async function restartApiServer(): Promise<void> {
  const remedy = 'bash scripts/services.sh up kube';
  await setUp([script, 'down', 'kube-apiserver'], 'kube-apiserver did not stop', remedy);
  await setUp([script, 'up', 'kube-apiserver'], 'kube-apiserver did not start again', remedy);
}

async function counter(telemetry: Telemetry, name: string): Promise<number> {
  const metric = await telemetry.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

describe(
  'the kubernetes collector across kube-apiserver restarts',
  { timeout: 10 * 60_000 },
  () => {
    const core = () => adminConfig().makeApiClient(CoreV1Api);
    const node = `restart-${Date.now().toString(36)}`;
    const records: AnyEnvelope[] = [];
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'plimsoll-restart-')), 'kube.json');
    // Delivered as soon as emitted: the checkpoint advances on delivery, as on a bus that accepted.
    const listeners = new Set<DeliveryListener>();
    const publisher: RecordSink = {
      emit: (batch) => {
        records.push(...batch);
        for (const listener of listeners) listener(batch);
        return Promise.resolve();
      },
      onDelivered: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      flush: () => Promise.resolve(true),
    };

    const transitions = () =>
      records
        .filter((r) => r.kind === 'node_transition')
        .map((r) => r.payload)
        .filter((t) => t.node === node && t.condition === 'Ready')
        .map((t) => `${t.from}->${t.to}`);

    const setReady = (status: string) =>
      core().patchNodeStatus(
        {
          name: node,
          body: {
            status: {
              conditions: [
                {
                  type: 'Ready',
                  status,
                  reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady',
                  lastHeartbeatTime: new Date().toISOString(),
                  lastTransitionTime: new Date().toISOString(),
                },
              ],
            },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );

    function startCollector() {
      const { deps, telemetry } = memoryPipeline();
      const collector = new KubernetesCollector(
        new ClientNodeKubeApi(adminConfig()),
        { ...kubernetesDefaults, events: false, checkpointFile },
        { ...deps, publisher },
      );
      return { collector, telemetry };
    }

    before(async () => {
      await requireServices('kube');
      await core().createNode({ body: { metadata: { name: node } } });
    });

    after(async () => {
      await core()
        .deleteNode({ name: node })
        .catch(() => undefined);
    });

    it('re-lists after 410 Gone when the restarted server no longer holds its resourceVersion, and sees what changes after', async () => {
      const { collector, telemetry } = startCollector();
      await collector.start();
      try {
        await waitFor(
          () => collector.health(),
          (h) => h.ready,
          {
            timeoutMs: 60_000,
            what: 'the collector to sync',
          },
        );
        await setReady('True');
        await waitFor(transitions, (t) => t.includes('Absent->True'), {
          timeoutMs: 30_000,
          what: 'the first Ready transition',
        });
        // Writes to other objects move the cluster's resourceVersion past the node watch's own.
        const namespace = await freshNamespace('restart');
        for (let i = 0; i < 3; i++) {
          await core().createNamespacedConfigMap({
            namespace,
            body: { metadata: { name: `filler-${i}` }, data: { i: String(i) } },
          });
        }
        await core().deleteNamespace({ name: namespace });
        const restartsBefore = await counter(telemetry, 'plimsoll_collector_watch_restarts_total');
        await restartApiServer();
        await waitFor(
          () => collector.health(),
          (h) => h.ready,
          {
            timeoutMs: 120_000,
            what: 'the collector to be ready again',
          },
        );
        assert.ok(
          (await counter(telemetry, 'plimsoll_collector_watch_restarts_total')) > restartsBefore,
          'the dropped watches were restarted',
        );
        assert.ok(
          (await counter(telemetry, 'plimsoll_collector_relists_total')) > 0,
          'the node watch was answered 410 Gone and re-listed',
        );
        await setReady('False');
        await waitFor(transitions, (t) => t.includes('True->False'), {
          timeoutMs: 60_000,
          what: 'the transition made after the restart',
        });
        assert.deepEqual(transitions(), ['Absent->True', 'True->False']);
      } finally {
        await collector.stop();
      }
    });

    it('starts again from its checkpoint with the net change made while it was stopped, nothing twice', async () => {
      const emittedBefore = records.length;
      await setReady('True');
      await setReady('False');
      await setReady('True');
      const { collector } = startCollector();
      await collector.start();
      try {
        await waitFor(
          () => collector.health(),
          (h) => h.ready,
          {
            timeoutMs: 120_000,
            what: 'the collector to sync from its checkpoint',
          },
        );
        await waitFor(transitions, (t) => t.length >= 3, {
          timeoutMs: 60_000,
          what: "the node's net change since the checkpoint",
        });
        assert.deepEqual(transitions(), ['Absent->True', 'True->False', 'False->True']);
        // Snapshots of nodes and pods are re-emitted on start by design (the store upserts them);
        // what happened — transitions, terminations, events — is emitted once.
        const happenings = records.filter((r) =>
          ['node_transition', 'container_termination', 'kube_event'].includes(r.kind),
        );
        assert.deepEqual(duplicateIds(happenings), [], 'nothing that happened emitted twice');
        assert.ok(records.length > emittedBefore);
      } finally {
        await collector.stop();
      }
    });
  },
);
