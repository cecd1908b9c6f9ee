// The node pool a node belongs to, read from the labels managed Kubernetes offerings and node
// provisioners put on their nodes. Reports group capacity by pool.

/** Most specific first: a node carrying several is named by the first. */
export const NODE_POOL_LABELS: readonly string[] = [
  'cloud.google.com/gke-nodepool',
  'eks.amazonaws.com/nodegroup',
  'alpha.eksctl.io/nodegroup-name',
  'karpenter.sh/nodepool',
  'karpenter.sh/provisioner-name',
  'kubernetes.azure.com/agentpool',
  'agentpool',
  'doks.digitalocean.com/node-pool',
  'node.kubernetes.io/pool',
  'node-pool',
];

export function nodePool(labels: Readonly<Record<string, string>>): string | undefined {
  for (const key of NODE_POOL_LABELS) {
    const value = labels[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}
