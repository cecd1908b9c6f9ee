// Nodes: inventory snapshots (capacity, allocatable, labels, conditions) and condition
// transitions. Transitions are computed against the previous observation of the node, or — the
// first time after a restart — against the conditions the checkpoint says were delivered, so a
// restarted collector reports what changed while it was down and nothing twice.
import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Node, NodeTransition } from '../../core/domain.js';
import { mapNode, nodeTransitions } from '../formats/kube-objects.js';
import type { Mapped } from '../formats/result.js';
import { objectAt } from '../formats/json-read.js';
import type { ResourceSpec } from './informer.js';
import { asKubeObject, pick, pickEach, shrinkMetadata } from './shrink.js';
import type { Watermarks } from './watermarks.js';

export const nodesResource: ResourceSpec = {
  resource: 'nodes',
  path: '/api/v1/nodes',
  shrink: (raw) => {
    const node = objectAt(raw);
    const status = objectAt(node.status);
    return asKubeObject({
      metadata: { ...shrinkMetadata(node.metadata), labels: objectAt(node.metadata).labels },
      spec: pick(node.spec, ['unschedulable']),
      status: {
        capacity: pick(status.capacity, ['cpu', 'memory']),
        allocatable: pick(status.allocatable, ['cpu', 'memory']),
        conditions: pickEach(status.conditions, [
          'type',
          'status',
          'reason',
          'message',
          'lastTransitionTime',
          'lastHeartbeatTime',
        ]),
        nodeInfo: pick(status.nodeInfo, ['kubeletVersion']),
      },
    });
  },
};

export function toNode(object: KubernetesObject, cluster: string): Mapped<Node> {
  return mapNode(object, cluster);
}

/** Transitions not delivered before, and the node as the next comparison's baseline. */
export function newTransitions(
  previous: Node | undefined,
  current: Node,
  watermarks: Watermarks,
): NodeTransition[] {
  const baseline = previous ?? watermarks.nodeBaseline(current);
  return nodeTransitions(baseline, current).filter((t) => watermarks.isNewTransition(t));
}

/** The part of a node that makes a new snapshot worth emitting (not heartbeats). */
export function nodeFingerprint(node: Node): string {
  return createHash('sha1').update(JSON.stringify(node)).digest('base64');
}
