// The kubelets' own endpoints, as if each node's port 10250 were mounted at /kubelet/{node}: the
// same renderers as the API server's node proxy, behind kubelet-style webhook authentication — any
// non-empty bearer token is accepted, none answers 401 (a real kubelet would also authorize it:
// nodes/metrics, nodes/stats, nodes/proxy). A node whose kubelet is down resets the connection,
// as dialling a dead kubelet fails, instead of the proxy's 503 Status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Simulation } from '../model/simulation.js';

const BEARER = /^Bearer\s+\S+/i;

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/**
 * Serves `/kubelet/{node}/{path}`; `parts` are the decoded segments after `kubelet`. `proxy`
 * renders a kubelet path of a node whose kubelet is up (the node-proxy handler).
 */
export function serveKubeletDirect(
  req: IncomingMessage,
  res: ServerResponse,
  parts: readonly string[],
  sim: Simulation,
  t: number,
  proxy: (node: string, subPath: string) => void,
): void {
  const [nodeName, ...sub] = parts;
  const node =
    nodeName === undefined ? undefined : sim.model.nodes.find((n) => n.name === nodeName);
  if (!node) return plain(res, 404, '404 page not found\n');
  if (!BEARER.test(req.headers.authorization ?? '')) return plain(res, 401, 'Unauthorized\n');
  if (!sim.nodes.kubeletUp(node, t)) {
    res.socket?.destroy();
    return;
  }
  proxy(node.name, sub.join('/'));
}
