// The kubelet endpoints behind a small interface. The default goes through the API server's node
// proxy (`/api/v1/nodes/{node}/proxy/...`), which needs only the API credentials; a direct client
// (https://<node>:10250 with the ServiceAccount token) can implement the same interface.
import type { KubeApi } from '../kubernetes/api.js';

export interface KubeletResponse {
  readonly text: string;
  readonly contentType: string;
}

export interface KubeletClient {
  /** GET a kubelet path (`/metrics/resource`, `/stats/summary`, `/pods`) on one node. */
  get(node: string, path: string, options: { timeoutMs: number }): Promise<KubeletResponse>;
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
