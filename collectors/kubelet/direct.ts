// Kubelets reached directly, as metrics-server and Prometheus do: https://<node address>:<kubelet
// port><path> with the ServiceAccount bearer token. The kubelet authorizes the token itself
// (webhook authz): /metrics/* → nodes/metrics, /stats/* → nodes/stats — so unlike the API server's
// node proxy this needs no `nodes/proxy`. The kubelet's /pods would need nodes/proxy (nodes/pods
// only with the KubeletFineGrainedAuthz gate), so the pod list of a node comes from the API server
// instead (`pods?fieldSelector=spec.nodeName=...`, the `list pods` the kubernetes collector has).
//
// TLS: verified by default against the cluster CA of the KubeConfig (in-cluster:
// /var/run/secrets/kubernetes.io/serviceaccount/ca.crt). Kubelet serving certificates are often
// self-signed unless serverTLSBootstrap is on; then either pass the CA that signed them (`caFile`)
// or turn verification off (`insecureSkipTlsVerify`) — a user choice, never a silent fallback.
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import axios from 'axios';
import { arrayAt, objectAt, textAt } from '../formats/json-read.js';
import { KubeApiError, type KubeApi } from '../kubernetes/api.js';
import type { KubeletClient, KubeletResponse, NodeEndpoint } from './client.js';

export const DEFAULT_KUBELET_PORT = 10250;
export const DEFAULT_URL_TEMPLATE = 'https://{address}:{port}';

export interface DirectKubeletOptions {
  /**
   * Base URL of one node's kubelet; `{node}`, `{address}` and `{port}` are replaced (node name,
   * InternalIP else Hostname, kubelet port). Default `https://{address}:{port}`. Other setups
   * expose kubelets elsewhere, e.g. `http://127.0.0.1:8001/kubelet/{node}`.
   */
  readonly urlTemplate?: string | undefined;
  /** PEM CA bundle that signed the kubelets' serving certificates; default: the cluster CA. */
  readonly caFile?: string | undefined;
  /** Do not verify kubelet serving certificates (self-signed kubelet certs). Default false. */
  readonly insecureSkipTlsVerify?: boolean | undefined;
  /** Bearer token file read on every request (rotation); default: the KubeConfig's credentials. */
  readonly tokenFile?: string | undefined;
  /** Caps one response. Default 64 MiB. */
  readonly maxBytes?: number | undefined;
}

/** The endpoint of a Node object: InternalIP, else Hostname; daemonEndpoints port, else 10250. */
export function nodeEndpoint(node: unknown): NodeEndpoint | undefined {
  const object = objectAt(node);
  const name = textAt(objectAt(object.metadata).name);
  if (!name) return undefined;
  const status = objectAt(object.status);
  const addresses = arrayAt(status.addresses).map((a) => objectAt(a));
  // Only an IP or a DNS name: an address such as `evil.example#` or `a@b` would move the request,
  // and the ServiceAccount token with it, to another host.
  const pick = (type: string) =>
    addresses
      .map((a) => (textAt(a.type) === type ? textAt(a.address) : undefined))
      .find((address) => address !== undefined && isHostAddress(address));
  const address = pick('InternalIP') ?? pick('Hostname');
  const rawPort = objectAt(objectAt(status.daemonEndpoints).kubeletEndpoint).Port;
  const port =
    typeof rawPort === 'number' && Number.isInteger(rawPort) && rawPort > 0 && rawPort < 65536
      ? rawPort
      : DEFAULT_KUBELET_PORT;
  return { name, ...(address !== undefined && { address }), port };
}

const DNS_NAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/;

/** An IPv4 or IPv6 literal, or an RFC 1123 DNS name: nothing that could carry URL syntax. */
export function isHostAddress(address: string): boolean {
  return isIP(address) !== 0 || DNS_NAME.test(address);
}

/** The base URL of one node's kubelet from a template (exported for tests). */
export function kubeletBaseUrl(template: string, endpoint: NodeEndpoint): string {
  const needsAddress = template.includes('{address}');
  if (needsAddress && endpoint.address === undefined) {
    throw new KubeApiError(
      `node ${endpoint.name} has no InternalIP or Hostname address`,
      undefined,
    );
  }
  const address = endpoint.address ?? '';
  if (needsAddress && !isHostAddress(address)) {
    throw new KubeApiError(
      `node ${endpoint.name}: address ${JSON.stringify(address)} is neither an IP nor a DNS name`,
      undefined,
    );
  }
  // An IPv6 literal goes in brackets in a URL authority.
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  const url = template
    .replaceAll('{node}', encodeURIComponent(endpoint.name))
    .replaceAll('{address}', host)
    .replaceAll('{port}', String(endpoint.port))
    .replace(/\/+$/, '');
  // Built by substitution, checked by the URL parser: the host must be the node's own.
  if (needsAddress && new URL(url).hostname !== host.toLowerCase()) {
    throw new KubeApiError(
      `node ${endpoint.name}: the kubelet URL does not point at its address`,
      undefined,
    );
  }
  return url;
}

export class DirectKubeletClient implements KubeletClient {
  private readonly template: string;
  private readonly maxBytes: number;
  private readonly endpoints = new Map<string, NodeEndpoint>();
  private agent: HttpsAgent | undefined;

  constructor(
    /** The API server: Node lookups of nodes not seen in a list, and the per-node pod list. */
    private readonly api: KubeApi,
    /** Credentials (bearer token, client cert) and the cluster CA. */
    private readonly kc: KubeConfig,
    private readonly options: DirectKubeletOptions = {},
  ) {
    this.template = options.urlTemplate ?? DEFAULT_URL_TEMPLATE;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  setNodes(nodes: readonly NodeEndpoint[]): void {
    this.endpoints.clear();
    for (const n of nodes) this.endpoints.set(n.name, n);
  }

  async get(node: string, path: string, options: { timeoutMs: number }): Promise<KubeletResponse> {
    if (path === '/pods') {
      const query = new URLSearchParams({ fieldSelector: `spec.nodeName=${node}` });
      return this.api.getText(`/api/v1/pods?${query.toString()}`, {
        timeoutMs: options.timeoutMs,
        maxBytes: this.maxBytes,
      });
    }
    const endpoint = await this.endpoint(node, options.timeoutMs);
    const url = `${kubeletBaseUrl(this.template, endpoint)}${path}`;
    const { headers, agent } = await this.credentials();
    // A hard deadline besides axios' own timeout: a kubelet trickling bytes still ends in time.
    const deadline = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await axios.get<string>(url, {
        headers,
        ...(url.startsWith('https:') && { httpsAgent: agent }),
        responseType: 'text',
        transformResponse: (data: string) => data,
        timeout: options.timeoutMs,
        signal: deadline,
        maxContentLength: this.maxBytes,
        // The request carries the ServiceAccount's credentials: never follow them elsewhere.
        maxRedirects: 0,
        validateStatus: () => true,
      });
      if (response.status < 200 || response.status >= 300) {
        const detail = String(response.data).slice(0, 200);
        throw new KubeApiError(
          `GET ${node}${path}: HTTP ${response.status} ${detail}`,
          response.status,
        );
      }
      return {
        text: response.data,
        contentType: String(response.headers['content-type'] ?? ''),
      };
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      const e = error as { code?: string; message: string };
      const timedOut =
        deadline.aborted ||
        e.code === 'ECONNABORTED' ||
        e.code === 'ETIMEDOUT' ||
        e.code === 'ERR_CANCELED';
      throw new KubeApiError(`GET ${node}${path}: ${e.message}`, undefined, timedOut);
    }
  }

  /** The node's endpoint from the last node list, else from a GET of the Node (then kept). */
  private async endpoint(node: string, timeoutMs: number): Promise<NodeEndpoint> {
    const known = this.endpoints.get(node);
    if (known) return known;
    // A template naming only {node} needs no Node lookup.
    if (!this.template.includes('{address}') && !this.template.includes('{port}')) {
      return { name: node, port: DEFAULT_KUBELET_PORT };
    }
    const found = nodeEndpoint(
      await this.api.getJson(`/api/v1/nodes/${encodeURIComponent(node)}`, { timeoutMs }),
    );
    if (!found) throw new KubeApiError(`node ${node}: malformed Node object`, 200);
    this.endpoints.set(node, found);
    return found;
  }

  private async credentials(): Promise<{ headers: Record<string, string>; agent: HttpsAgent }> {
    const auth: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(auth);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(auth.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[key] = String(value);
    }
    if (this.options.tokenFile) {
      const token = (await readFile(this.options.tokenFile, 'utf8')).trim();
      for (const key of Object.keys(headers)) {
        if (key.toLowerCase() === 'authorization') delete headers[key];
      }
      if (token) headers.Authorization = `Bearer ${token}`;
    }
    if (!this.agent) {
      // Verification is ours to decide, not inherited from the API server's skip-verify.
      const ca = this.options.caFile ? readFileSync(this.options.caFile) : auth.ca;
      this.agent = new HttpsAgent({
        keepAlive: true,
        ...(ca !== undefined && { ca }),
        ...(auth.cert !== undefined && { cert: auth.cert }),
        ...(auth.key !== undefined && { key: auth.key }),
        rejectUnauthorized: this.options.insecureSkipTlsVerify !== true,
      });
    }
    return { headers, agent: this.agent };
  }
}
