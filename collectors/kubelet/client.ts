// The kubelet endpoints behind a small interface: through the API server's node proxy
// (`/api/v1/nodes/{node}/proxy/...`, needs `nodes/proxy`), or directly (direct.ts:
// https://<node>:10250 with the ServiceAccount token, needs only `nodes/metrics` + `nodes/stats`).
import type { KubeApi } from '../kubernetes/api.js';

export interface KubeletResponse {
  readonly text: string;
  readonly contentType: string;
}

/** Where a node's kubelet listens, from the Node object. */
export interface NodeEndpoint {
  readonly name: string;
  /** InternalIP, else Hostname; undefined when the Node lists neither. */
  readonly address?: string;
  /** `status.daemonEndpoints.kubeletEndpoint.Port`, else 10250. */
  readonly port: number;
}

export interface KubeletClient {
  /** GET a kubelet path (`/metrics/resource`, `/stats/summary`, `/pods`) on one node. */
  get(node: string, path: string, options: { timeoutMs: number }): Promise<KubeletResponse>;
  /** The nodes of the latest node list, for clients that need their addresses. */
  setNodes?(nodes: readonly NodeEndpoint[]): void;
}

export class NodeProxyKubeletClient implements KubeletClient {
  constructor(
    private readonly api: KubeApi,
    /** Caps one response; a runaway cAdvisor endpoint fails instead of exhausting memory. */
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  get(node: string, path: string, options: { timeoutMs: number }): Promise<KubeletResponse> {
    return this.api.getText(`/api/v1/nodes/${encodeURIComponent(node)}/proxy${path}`, {
      timeoutMs: options.timeoutMs,
      maxBytes: this.maxBytes,
    });
  }
}
