// Pod and container identity from a kubelet-managed cgroup path. The same paths show up in kernel
// OOM reports (oom_memcg, task_memcg, "Task in ... killed") and in cAdvisor's `id` label, written
// by the cgroupfs driver (`/kubepods/burstable/pod<uid>/<id>`) or the systemd driver
// (`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_with_underscores>.slice/
// cri-containerd-<id>.scope`), whose slice names cannot contain dashes inside the uid.

export interface CgroupIdentity {
  /** With dashes, as the API reports it; a static pod's 32-hex config hash stays as is. */
  readonly podUid?: string;
  /** The 64-hex runtime id, without a `docker://`-style prefix. */
  readonly containerId?: string;
}

const POD =
  /(?:^|[/-])pod([0-9a-fA-F]{8}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{12}|[0-9a-fA-F]{32})(?:\.slice)?(?=$|[/:])/;
const CONTAINER = /(?:^|[/:-])([0-9a-f]{64})(?:\.scope)?$/;

export function identityFromCgroupPath(path: string): CgroupIdentity {
  const pod = POD.exec(path);
  if (pod === null) return {};
  const podUid = (pod[1] ?? '').replace(/_/g, '-').toLowerCase();
  const rest = path.slice(pod.index + pod[0].length);
  const container = CONTAINER.exec(rest);
  return container?.[1] !== undefined ? { podUid, containerId: container[1] } : { podUid };
}
