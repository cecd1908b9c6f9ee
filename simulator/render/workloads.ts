// apps/v1 Deployments, ReplicaSets, StatefulSets and DaemonSets. Their status is summarised from
// the pods the timeline shows, so replica counts agree with the pod list.
import type { Simulation } from '../model/simulation.js';
import { nameSuffix } from '../model/rng.js';
import {
  replicaSetNameOf,
  replicaSetOwnerApiVersion,
  replicaSetOwnerKind,
  type AnySlot,
  type WorkloadModel,
} from '../model/types.js';
import { containerSpec, replicaSetUid } from './pods.js';
import { apiTime } from './quantity.js';
import { humanDuration } from './age.js';

export type WorkloadResource = 'deployments' | 'replicasets' | 'statefulsets' | 'daemonsets';

export interface WorkloadItem {
  uid: string;
  render: (resourceVersion: string) => Record<string, unknown>;
  fingerprint: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  cells: (now: number) => unknown[];
}

/** Whether a slot's current pod exists and is ready (from the caller's pod cache). */
export type Readiness = (slot: AnySlot) => { exists: boolean; ready: boolean };

function template(w: WorkloadModel, extraLabels: Record<string, string>) {
  return {
    metadata: { labels: { ...w.labels, ...extraLabels } },
    spec: {
      containers: w.containers.map(containerSpec),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
    },
  };
}

/** Summary of a workload's pods: how many exist and are ready. */
function podCounts(readiness: Readiness, slots: AnySlot[]) {
  let ready = 0;
  let total = 0;
  for (const slot of slots) {
    const r = readiness(slot);
    if (r.exists) total++;
    if (r.ready) ready++;
  }
  return { ready, total };
}

export function workloadItems(
  sim: Simulation,
  resource: WorkloadResource,
  t: number,
  slotsByWorkload: AnySlot[][],
  readiness: Readiness,
): WorkloadItem[] {
  const out: WorkloadItem[] = [];
  for (const w of sim.model.workloads) {
    const slots = slotsByWorkload[w.index] ?? [];
    const first = slots[0];
    const generation = first ? sim.pods.generationAt(first, t) : 0;
    const meta = (
      name: string,
      uid: string,
      created: number,
      rv: string,
      extra: Record<string, unknown> = {},
    ) => ({
      name,
      namespace: w.namespace,
      uid,
      resourceVersion: rv,
      generation: generation + 1,
      creationTimestamp: apiTime(created),
      labels: w.labels,
      ...extra,
    });
    const selector = { matchLabels: { app: w.labels.app ?? w.name } };
    // A ReplicaSet owned by something else (an Argo Rollout) has no Deployment to list.
    if (resource === 'deployments' && w.kind === 'Deployment' && w.ownerKind === undefined) {
      const { ready, total } = podCounts(readiness, slots);
      out.push({
        uid: w.uid,
        namespace: w.namespace,
        name: w.name,
        labels: w.labels,
        fingerprint: `${generation}|${ready}|${total}`,
        cells: (now) => [
          w.name,
          `${ready}/${w.replicas}`,
          total,
          ready,
          humanDuration(now - w.createdAt),
          containerNames(w),
          images(w),
          selectorText(w),
        ],
        render: (rv) => ({
          kind: 'Deployment',
          apiVersion: 'apps/v1',
          metadata: meta(w.name, w.uid, w.createdAt, rv, {
            annotations: { 'deployment.kubernetes.io/revision': String(generation + 1) },
          }),
          spec: {
            replicas: w.replicas,
            selector,
            template: template(w, {}),
            strategy: {
              type: 'RollingUpdate',
              rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
            },
            revisionHistoryLimit: 10,
            progressDeadlineSeconds: 600,
          },
          status: {
            observedGeneration: generation + 1,
            replicas: total,
            updatedReplicas: total,
            readyReplicas: ready,
            availableReplicas: ready,
            ...(total > ready ? { unavailableReplicas: total - ready } : {}),
            conditions: [
              {
                type: 'Available',
                status: ready >= Math.ceil(w.replicas * 0.75) ? 'True' : 'False',
                reason:
                  ready >= Math.ceil(w.replicas * 0.75)
                    ? 'MinimumReplicasAvailable'
                    : 'MinimumReplicasUnavailable',
                lastUpdateTime: apiTime(w.createdAt),
                lastTransitionTime: apiTime(w.createdAt),
              },
            ],
          },
        }),
      });
    }
    if (resource === 'replicasets' && w.kind === 'Deployment') {
      // The current ReplicaSet and the one before it (scaled to zero), as revisionHistoryLimit keeps.
      for (const g of w.rolloutEveryMs === null ? [generation] : [generation - 1, generation]) {
        const hash = nameSuffix(10, sim.model.seed, w.index, g, 31);
        const rsName = replicaSetNameOf(w, hash);
        const current = g === generation;
        const created = first ? Math.max(w.createdAt, sim.pods.rolloutTime(first, g)) : w.createdAt;
        const { ready, total } = current ? podCounts(readiness, slots) : { ready: 0, total: 0 };
        const uid = replicaSetUid(sim, w, g);
        out.push({
          uid,
          namespace: w.namespace,
          name: rsName,
          labels: { ...w.labels, 'pod-template-hash': hash },
          fingerprint: `${ready}|${total}`,
          cells: (now) => [
            rsName,
            current ? w.replicas : 0,
            total,
            ready,
            humanDuration(now - created),
            containerNames(w),
            images(w),
            `${selectorText(w)},pod-template-hash=${hash}`,
          ],
          render: (rv) => ({
            kind: 'ReplicaSet',
            apiVersion: 'apps/v1',
            metadata: {
              ...meta(rsName, uid, created, rv, {
                annotations: {
                  'deployment.kubernetes.io/revision': String(g + 1),
                  'deployment.kubernetes.io/desired-replicas': String(w.replicas),
                },
              }),
              labels: { ...w.labels, 'pod-template-hash': hash },
              ownerReferences: [
                {
                  apiVersion: replicaSetOwnerApiVersion(w),
                  kind: replicaSetOwnerKind(w),
                  name: w.name,
                  uid: w.uid,
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            },
            spec: {
              replicas: current ? w.replicas : 0,
              selector: { matchLabels: { ...selector.matchLabels, 'pod-template-hash': hash } },
              template: template(w, { 'pod-template-hash': hash }),
            },
            status: {
              replicas: total,
              fullyLabeledReplicas: total,
              readyReplicas: ready,
              availableReplicas: ready,
              observedGeneration: 1,
            },
          }),
        });
      }
    }
    if (
      (resource === 'statefulsets' && w.kind === 'StatefulSet') ||
      (resource === 'daemonsets' && w.kind === 'DaemonSet')
    ) {
      const { ready, total } = podCounts(readiness, slots);
      const status =
        w.kind === 'StatefulSet'
          ? {
              observedGeneration: generation + 1,
              replicas: total,
              readyReplicas: ready,
              currentReplicas: total,
              updatedReplicas: total,
              availableReplicas: ready,
              collisionCount: 0,
            }
          : {
              // A daemon pod counts as scheduled once bound to its node.
              currentNumberScheduled: slots.filter((s) => s.node !== undefined).length,
              numberMisscheduled: 0,
              desiredNumberScheduled: slots.length,
              numberReady: ready,
              observedGeneration: generation + 1,
              updatedNumberScheduled: total,
              numberAvailable: ready,
              ...(slots.length > ready ? { numberUnavailable: slots.length - ready } : {}),
            };
      out.push({
        uid: w.uid,
        namespace: w.namespace,
        name: w.name,
        labels: w.labels,
        fingerprint: `${generation}|${ready}|${total}`,
        cells: (now) =>
          w.kind === 'StatefulSet'
            ? [
                w.name,
                `${ready}/${w.replicas}`,
                humanDuration(now - w.createdAt),
                containerNames(w),
                images(w),
              ]
            : [
                w.name,
                slots.length,
                total,
                ready,
                total,
                ready,
                '<none>',
                humanDuration(now - w.createdAt),
                containerNames(w),
                images(w),
                selectorText(w),
              ],
        render: (rv) => ({
          kind: w.kind,
          apiVersion: 'apps/v1',
          metadata: meta(w.name, w.uid, w.createdAt, rv),
          spec:
            w.kind === 'StatefulSet'
              ? {
                  replicas: w.replicas,
                  selector,
                  serviceName: w.name,
                  template: template(w, {}),
                  podManagementPolicy: 'OrderedReady',
                  updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
                }
              : {
                  selector,
                  template: template(w, {}),
                  updateStrategy: {
                    type: 'RollingUpdate',
                    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
                  },
                },
          status,
        }),
      });
    }
  }
  return out;
}

const containerNames = (w: WorkloadModel) => w.containers.map((c) => c.name).join(',');
const images = (w: WorkloadModel) => w.containers.map((c) => c.image).join(',');
const selectorText = (w: WorkloadModel) => `app=${w.labels.app ?? w.name}`;
