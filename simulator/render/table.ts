// meta.k8s.io/v1 Table rendering, which `kubectl get` asks for. Cells are computed from the model
// views (not re-parsed JSON) so they always agree with the objects.
import type { SimEvent } from '../model/events.js';
import type { NodeConditionState } from '../model/node-timeline.js';
import type { PodView } from '../model/simulation.js';
import type { NodeModel } from '../model/types.js';
import { humanDuration } from './age.js';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, type = 'string', priority = 0, format = ''): ColumnDefinition => ({
  name,
  type,
  format,
  description: name,
  priority,
});

export const COLUMNS: Record<string, ColumnDefinition[]> = {
  nodes: [
    col('Name', 'string', 0, 'name'),
    col('Status'),
    col('Roles'),
    col('Age'),
    col('Version'),
    col('Internal-IP', 'string', 1),
    col('External-IP', 'string', 1),
    col('OS-Image', 'string', 1),
    col('Kernel-Version', 'string', 1),
    col('Container-Runtime', 'string', 1),
  ],
  pods: [
    col('Name', 'string', 0, 'name'),
    col('Ready'),
    col('Status'),
    col('Restarts', 'string'),
    col('Age'),
    col('IP', 'string', 1),
    col('Node', 'string', 1),
    col('Nominated Node', 'string', 1),
    col('Readiness Gates', 'string', 1),
  ],
  events: [
    col('Last Seen'),
    col('Type'),
    col('Reason'),
    col('Object'),
    col('Message'),
    col('Subobject', 'string', 1),
    col('Source', 'string', 1),
    col('First Seen', 'string', 1),
    col('Count', 'string', 1),
    col('Name', 'string', 1, 'name'),
  ],
  deployments: [
    col('Name', 'string', 0, 'name'),
    col('Ready'),
    col('Up-to-date', 'integer'),
    col('Available', 'integer'),
    col('Age'),
    col('Containers', 'string', 1),
    col('Images', 'string', 1),
    col('Selector', 'string', 1),
  ],
  replicasets: [
    col('Name', 'string', 0, 'name'),
    col('Desired', 'integer'),
    col('Current', 'integer'),
    col('Ready', 'integer'),
    col('Age'),
    col('Containers', 'string', 1),
    col('Images', 'string', 1),
    col('Selector', 'string', 1),
  ],
  statefulsets: [
    col('Name', 'string', 0, 'name'),
    col('Ready'),
    col('Age'),
    col('Containers', 'string', 1),
    col('Images', 'string', 1),
  ],
  daemonsets: [
    col('Name', 'string', 0, 'name'),
    col('Desired', 'integer'),
    col('Current', 'integer'),
    col('Ready', 'integer'),
    col('Up-to-date', 'integer'),
    col('Available', 'integer'),
    col('Node Selector'),
    col('Age'),
    col('Containers', 'string', 1),
    col('Images', 'string', 1),
    col('Selector', 'string', 1),
  ],
  namespaces: [col('Name', 'string', 0, 'name'), col('Status'), col('Age')],
};

export function nodeCells(
  node: NodeModel,
  conditions: NodeConditionState[],
  now: number,
): unknown[] {
  const ready = conditions.find((c) => c.type === 'Ready');
  const status =
    ready?.status === 'True' ? 'Ready' : ready?.status === 'Unknown' ? 'NotReady' : 'NotReady';
  return [
    node.name,
    status,
    '<none>',
    humanDuration(now - node.createdAt),
    node.kubeletVersion,
    node.internalIp,
    '<none>',
    'Amazon Linux 2023.5.20240701',
    '6.1.94-99.176.amzn2023.x86_64',
    'containerd://1.7.11',
  ];
}

/** The STATUS column as kubectl derives it (printers/internalversion printPod). */
export function podStatusText(view: PodView): string {
  if (view.evicted) return 'Evicted';
  if (view.terminating) return 'Terminating';
  let reason: string = view.phase;
  for (const c of view.containers) {
    if (c.state.kind === 'waiting' && c.state.reason !== '') reason = c.state.reason;
    else if (c.state.kind === 'terminated') reason = c.state.reason;
  }
  if (reason === 'Running' && !view.ready) reason = 'Running';
  return reason;
}

export function podCells(view: PodView, now: number, ip: string): unknown[] {
  const ready = view.containers.filter((c) => c.ready).length;
  const restarts = view.containers.reduce((s, c) => s + c.restartCount, 0);
  const lastRestart = Math.max(
    0,
    ...view.containers.map((c) => c.lastTermination?.finishedAt ?? 0),
  );
  const restartText =
    restarts > 0 && lastRestart > 0
      ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
      : String(restarts);
  return [
    view.pod.name,
    `${ready}/${view.slot.workload.containers.length}`,
    podStatusText(view),
    restartText,
    humanDuration(now - view.pod.createdAt),
    view.evicted || !view.node ? '<none>' : ip,
    view.node?.name ?? '<none>',
    '<none>',
    '<none>',
  ];
}

export function eventCells(e: SimEvent, now: number): unknown[] {
  return [
    humanDuration(now - e.lastTimestamp),
    e.type,
    e.reason,
    `${e.involved.kind.toLowerCase()}/${e.involved.name}`,
    e.message,
    e.involved.fieldPath ?? '',
    e.host ? `${e.component}, ${e.host}` : e.component,
    humanDuration(now - e.firstTimestamp),
    e.count,
    e.name,
  ];
}
