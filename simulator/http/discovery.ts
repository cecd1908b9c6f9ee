// Discovery documents: enough of /version, /api, /apis and the resource lists for kubectl and
// client libraries to find nodes, pods, events and the apps/v1 workloads.

export const KUBE_VERSION = {
  major: '1',
  minor: '29',
  gitVersion: 'v1.29.6',
  gitCommit: '062798d53d83265b9e05f14d85198f74362adaca',
  gitTreeState: 'clean',
  buildDate: '2024-06-11T20:17:07Z',
  goVersion: 'go1.21.11',
  compiler: 'gc',
  platform: 'linux/amd64',
};

interface ResourceDef {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

const READ = ['get', 'list', 'watch'];

export const CORE_RESOURCES: ResourceDef[] = [
  {
    name: 'events',
    singularName: 'event',
    namespaced: true,
    kind: 'Event',
    verbs: READ,
    shortNames: ['ev'],
  },
  {
    name: 'namespaces',
    singularName: 'namespace',
    namespaced: false,
    kind: 'Namespace',
    verbs: READ,
    shortNames: ['ns'],
  },
  {
    name: 'nodes',
    singularName: 'node',
    namespaced: false,
    kind: 'Node',
    verbs: READ,
    shortNames: ['no'],
  },
  {
    name: 'nodes/proxy',
    singularName: '',
    namespaced: false,
    kind: 'NodeProxyOptions',
    verbs: ['get'],
  },
  {
    name: 'pods',
    singularName: 'pod',
    namespaced: true,
    kind: 'Pod',
    verbs: READ,
    shortNames: ['po'],
    categories: ['all'],
  },
  { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
];

export const APPS_RESOURCES: ResourceDef[] = [
  {
    name: 'daemonsets',
    singularName: 'daemonset',
    namespaced: true,
    kind: 'DaemonSet',
    verbs: READ,
    shortNames: ['ds'],
    categories: ['all'],
  },
  {
    name: 'deployments',
    singularName: 'deployment',
    namespaced: true,
    kind: 'Deployment',
    verbs: READ,
    shortNames: ['deploy'],
    categories: ['all'],
  },
  {
    name: 'replicasets',
    singularName: 'replicaset',
    namespaced: true,
    kind: 'ReplicaSet',
    verbs: READ,
    shortNames: ['rs'],
    categories: ['all'],
  },
  {
    name: 'statefulsets',
    singularName: 'statefulset',
    namespaced: true,
    kind: 'StatefulSet',
    verbs: READ,
    shortNames: ['sts'],
    categories: ['all'],
  },
];

export function apiVersions(host: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
  };
}

export function apiGroupList() {
  const apps = { groupVersion: 'apps/v1', version: 'v1' };
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: 'apps', versions: [apps], preferredVersion: apps }],
  };
}

export function appsGroup() {
  const apps = { groupVersion: 'apps/v1', version: 'v1' };
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: 'apps',
    versions: [apps],
    preferredVersion: apps,
  };
}

export function resourceList(groupVersion: string, resources: ResourceDef[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: resources.map((r) => ({ ...r, storageVersionHash: '' })),
  };
}
