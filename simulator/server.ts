// The simulator's HTTP face: a Kubernetes API subset (discovery, list/watch with resourceVersion,
// bookmarks and 410 Gone, pod logs, node proxy to the kubelet endpoints) and kube-state-metrics.
// A tick re-evaluates the model at the virtual "now" and turns differences into watch events.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VirtualClock } from './model/clock.js';
import type { Simulation } from './model/simulation.js';
import {
  apiGroupList,
  apiVersions,
  APPS_RESOURCES,
  appsGroup,
  CORE_RESOURCES,
  KUBE_VERSION,
  resourceList,
} from './http/discovery.js';
import { LiveCluster } from './http/collections.js';
import {
  serveList,
  serveWatch,
  sendJson,
  sendStatus,
  type ListWatchContext,
  type ResourceKind,
} from './http/list-watch.js';
import { serveKubeletDirect } from './http/kubelet-direct.js';
import { serveLogs, type LogFollower } from './http/logs.js';
import { SelectorError } from './http/selectors.js';
import { ResourceStore, VersionCounter, type Item } from './http/store.js';
import { renderCadvisor } from './render/cadvisor.js';
import { renderKsm } from './render/ksm.js';
import { renderMetricsResource } from './render/metrics-resource.js';
import { renderPod } from './render/pods.js';
import { notFound, statusBody } from './render/status.js';
import { renderSummary } from './render/summary.js';

export interface ServerOptions {
  sim: Simulation;
  clock: VirtualClock;
  port: number;
  host?: string;
  /** Real milliseconds between re-evaluations of the model. */
  tickMs?: number;
  /** Real milliseconds between watch bookmarks. */
  bookmarkMs?: number;
  /** Watch history kept per resource before versions expire (410). */
  watchHistory?: number;
  onError?: (error: unknown) => void;
}

const KINDS: Record<string, ResourceKind> = {
  nodes: { resource: 'nodes', kind: 'Node', apiVersion: 'v1' },
  pods: { resource: 'pods', kind: 'Pod', apiVersion: 'v1' },
  events: { resource: 'events', kind: 'Event', apiVersion: 'v1' },
  namespaces: { resource: 'namespaces', kind: 'Namespace', apiVersion: 'v1' },
  deployments: { resource: 'deployments', kind: 'Deployment', apiVersion: 'apps/v1' },
  replicasets: { resource: 'replicasets', kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  statefulsets: { resource: 'statefulsets', kind: 'StatefulSet', apiVersion: 'apps/v1' },
  daemonsets: { resource: 'daemonsets', kind: 'DaemonSet', apiVersion: 'apps/v1' },
};
const NAMESPACED = new Set([
  'pods',
  'events',
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
]);
const CORE = new Set(['nodes', 'pods', 'events', 'namespaces']);
const APPS = new Set(['deployments', 'replicasets', 'statefulsets', 'daemonsets']);

export class SimulatorServer {
  private readonly versions = new VersionCounter();
  private readonly stores = new Map<string, ResourceStore>();
  private readonly live: LiveCluster;
  private readonly watches = new Set<ServerResponse>();
  private readonly followers = new Set<LogFollower>();
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  /** Count of tick failures; a failing tick is retried next time, never fatal. */
  tickErrors = 0;

  constructor(private readonly options: ServerOptions) {
    this.live = new LiveCluster(options.sim);
    for (const name of Object.keys(KINDS))
      this.stores.set(name, new ResourceStore(name, this.versions, options.watchHistory));
    const t = options.clock.now();
    this.lastTick = t;
    for (const [name, items] of this.collect(t)) this.stores.get(name)?.seed(items);
  }

  get now(): number {
    return this.lastTick;
  }

  private collect(t: number): [string, Item[]][] {
    return [
      ['nodes', this.live.nodes(t)],
      ['pods', this.live.pods(t)],
      ['events', this.live.events(t)],
      ['namespaces', this.live.namespaces()],
      ['deployments', this.live.workloads('deployments', t)],
      ['replicasets', this.live.workloads('replicasets', t)],
      ['statefulsets', this.live.workloads('statefulsets', t)],
      ['daemonsets', this.live.workloads('daemonsets', t)],
    ];
  }

  /** Re-evaluates the model at the clock's now and publishes the differences. */
  tick(): void {
    try {
      const t = this.options.clock.now();
      if (t <= this.lastTick) return;
      this.lastTick = t;
      for (const [name, items] of this.collect(t)) this.stores.get(name)?.apply(items);
      for (const f of this.followers) if (!f.advance(t)) this.followers.delete(f);
    } catch (error) {
      this.tickErrors++;
      this.options.onError?.(error);
    }
  }

  /** Compacts every store and ends open watches: clients must re-list (410 on resume). */
  expireWatches(): void {
    for (const store of this.stores.values()) store.compact();
    for (const res of this.watches) res.end();
    this.watches.clear();
  }

  async listen(): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
    this.timer.unref();
    return `http://${address.address}:${address.port}`;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const res of this.watches) res.end();
    for (const f of this.followers) f.end();
    this.watches.clear();
    this.followers.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.route(req, res);
    } catch (error) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof SelectorError) {
        sendStatus(res, statusBody(400, 'BadRequest', error.message));
        return;
      }
      this.options.onError?.(error);
      sendStatus(
        res,
        statusBody(
          500,
          'InternalError',
          'an error on the server has prevented the request from succeeding',
        ),
      );
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const params = url.searchParams;
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendStatus(
        res,
        statusBody(
          405,
          'MethodNotAllowed',
          `the simulator is read-only: ${req.method ?? ''} is not supported`,
        ),
      );
      return;
    }
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const t = this.lastTick;
    switch (path) {
      case '/version':
        return sendJson(res, 200, KUBE_VERSION);
      case '/api':
        return sendJson(res, 200, apiVersions(req.headers.host ?? '127.0.0.1'));
      case '/apis':
        return sendJson(res, 200, apiGroupList());
      case '/api/v1':
        return sendJson(res, 200, resourceList('v1', CORE_RESOURCES));
      case '/apis/apps':
        return sendJson(res, 200, appsGroup());
      case '/apis/apps/v1':
        return sendJson(res, 200, resourceList('apps/v1', APPS_RESOURCES));
      case '/healthz':
      case '/livez':
      case '/readyz':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      case '/ksm/metrics':
      case '/metrics/kube-state-metrics': {
        const pods = this.live.podViews(t);
        const exposition = renderKsm(this.options.sim, t, pods, (node) =>
          this.options.sim.nodes.conditionsAt(node, t),
        );
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        for (const chunk of exposition.chunks()) res.write(chunk);
        res.end();
        return;
      }
    }
    if (parts[0] === 'kubelet') {
      return serveKubeletDirect(req, res, parts.slice(1), this.options.sim, t, (node, sub) =>
        this.nodeProxy(res, node, sub, t),
      );
    }
    // /api/v1/... and /apis/apps/v1/...
    let rest: string[];
    let group: Set<string>;
    if (parts[0] === 'api' && parts[1] === 'v1') {
      rest = parts.slice(2);
      group = CORE;
    } else if (parts[0] === 'apis' && parts[1] === 'apps' && parts[2] === 'v1') {
      rest = parts.slice(3);
      group = APPS;
    } else {
      return sendStatus(
        res,
        statusBody(404, 'NotFound', 'the server could not find the requested resource'),
      );
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name, sub, ...subPath] = rest;
    if (
      !resource ||
      !group.has(resource) ||
      (namespace !== undefined && !NAMESPACED.has(resource))
    ) {
      return sendStatus(
        res,
        statusBody(404, 'NotFound', 'the server could not find the requested resource'),
      );
    }
    const store = this.stores.get(resource);
    const kind = KINDS[resource];
    if (!store || !kind)
      return sendStatus(
        res,
        statusBody(404, 'NotFound', 'the server could not find the requested resource'),
      );
    if (name === undefined) {
      const ctx: ListWatchContext = {
        store,
        versions: this.versions,
        kind,
        ...(namespace === undefined ? {} : { namespace }),
        now: () => this.lastTick,
        bookmarkMs: this.options.bookmarkMs ?? 10_000,
        watches: this.watches,
      };
      const watch = params.get('watch');
      if (watch === 'true' || watch === '1') return serveWatch(ctx, req, res, params);
      return serveList(ctx, req, res, params);
    }
    if (resource === 'nodes' && sub === 'proxy')
      return this.nodeProxy(res, name, subPath.join('/'), t);
    if (resource === 'pods' && sub === 'log' && namespace !== undefined) {
      const view = this.live
        .podViews(t)
        .find((v) => v.slot.workload.namespace === namespace && v.pod.name === name);
      const follower = serveLogs(this.options.sim, view, name, res, params, t);
      if (follower) {
        this.followers.add(follower);
        res.on('close', () => this.followers.delete(follower));
      }
      return;
    }
    if (sub !== undefined)
      return sendStatus(
        res,
        statusBody(404, 'NotFound', 'the server could not find the requested resource'),
      );
    const found = [...store.items.values()].find(
      (s) => s.item.name === name && (namespace === undefined || s.item.namespace === namespace),
    );
    if (!found) return sendStatus(res, notFound(resource, name));
    return sendJson(res, 200, found.item.render(String(found.rv)));
  }

  private nodeProxy(res: ServerResponse, rawName: string, subPath: string, t: number): void {
    const sim = this.options.sim;
    const nodeName = rawName.replace(/^https?:/, '').replace(/:\d+$/, '');
    const node = sim.model.nodes.find((n) => n.name === nodeName);
    if (!node) return sendStatus(res, notFound('nodes', nodeName));
    if (!sim.nodes.kubeletUp(node, t)) {
      return sendStatus(
        res,
        statusBody(
          503,
          'ServiceUnavailable',
          `error trying to reach service: dial tcp ${node.internalIp}:10250: connect: connection refused`,
        ),
      );
    }
    const text = (body: string) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(body);
    };
    switch (subPath) {
      case 'stats/summary':
        return sendJson(res, 200, renderSummary(sim, node, t));
      case 'metrics/resource':
        return text(renderMetricsResource(sim, node, t));
      case 'metrics/cadvisor':
        return text(renderCadvisor(sim, node, t));
      case 'healthz':
        return text('ok');
      case 'pods': {
        const items = sim.podsOnNodeAt(node, t).map((v) => renderPod(sim, v, t, '0'));
        return sendJson(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('404 page not found\n');
    }
  }
}
