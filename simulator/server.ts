// The simulator's HTTP face: a Kubernetes API subset (discovery, list/watch with resourceVersion,
// bookmarks and 410 Gone, pod logs, node proxy to the kubelet endpoints) and kube-state-metrics.
// A tick re-evaluates the model at the virtual "now" and turns differences into watch events.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VirtualClock } from './model/clock.js';
import type { Simulation } from './model/simulation.js';
import { Faults, isKubeletFault, malformedExposition, truncatedJson } from './faults.js';
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
import { notFound, statusBody, type StatusReason } from './render/status.js';
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
  /** Serve the fault-injection endpoints under /simulator/ (default off). */
  faultAdmin?: boolean;
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
  /** The port of the first listen, so a restart comes back where clients look for it. */
  private port: number | undefined;
  private closed = false;
  /** Kubelet faults in force; see faults.ts. */
  readonly faults: Faults;
  /** Count of tick failures; a failing tick is retried next time, never fatal. */
  tickErrors = 0;

  constructor(private readonly options: ServerOptions) {
    this.live = new LiveCluster(options.sim);
    this.faults = new Faults(options.sim.model.nodes.map((n) => n.name));
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

  /** Starts serving; after `stopListening`, serves again on the port it had. */
  async listen(): Promise<string> {
    if (this.closed) throw new Error('the simulator was closed');
    const running = this.server?.address() as AddressInfo | null | undefined;
    if (running) return `http://${running.address}:${running.port}`;
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port ?? this.options.port, this.options.host ?? '127.0.0.1', () =>
        resolve(),
      );
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.port = address.port;
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
      this.timer.unref();
    }
    return `http://${address.address}:${address.port}`;
  }

  /**
   * Stops serving, as an API server going down: watches and log follows end, open connections
   * are dropped and new ones refused. The model keeps ticking and the watch history is kept, so
   * clients that come back resume from their resourceVersion (unless `expireWatches` ran).
   */
  async stopListening(): Promise<void> {
    for (const res of this.watches) res.end();
    for (const f of this.followers) f.end();
    this.watches.clear();
    this.followers.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** An API server restart: down for `downMs` (connections refused), then back on the same port. */
  async restart(downMs = 0): Promise<void> {
    await this.stopListening();
    if (downMs > 0) await sleep(downMs);
    // Another restart may have brought it back meanwhile.
    if (!this.closed && !this.server) await this.listen();
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.stopListening();
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
    if (this.options.faultAdmin && path.startsWith('/simulator/')) {
      return this.admin(req, res, path, params);
    }
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
      // A hung kubelet does not get as far as authenticating the request.
      if (parts[1] !== undefined && this.faults.kubelet(parts[1]) === 'hang') return;
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
    const fault = this.faults.kubelet(node.name);
    // The API server's proxy waits on a kubelet that accepted the connection and never answers.
    if (fault === 'hang') return;
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
    const malformed = fault === 'malformed';
    const text = (body: string) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(malformed ? malformedExposition(body) : body);
    };
    const json = (body: unknown) => {
      if (!malformed) return sendJson(res, 200, body);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(truncatedJson(JSON.stringify(body)));
    };
    switch (subPath) {
      case 'stats/summary':
        return json(renderSummary(sim, node, t));
      case 'metrics/resource':
        return text(renderMetricsResource(sim, node, t));
      case 'metrics/cadvisor':
        return text(renderCadvisor(sim, node, t));
      case 'healthz':
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end('ok');
        return;
      case 'pods': {
        const items = sim.podsOnNodeAt(node, t).map((v) => renderPod(sim, v, t, '0'));
        return json({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('404 page not found\n');
    }
  }

  /**
   * The fault-injection endpoints (only with `faultAdmin`): `GET /simulator/faults`,
   * `PUT /simulator/faults/kubelets/{node}?fault=hang|malformed`, `DELETE` of the same path (or of
   * `/simulator/faults` for all), `POST /simulator/restart?downSeconds=N` (answers 202, then
   * goes down for N seconds).
   */
  private admin(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    params: URLSearchParams,
  ): void {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const fail = (code: number, reason: StatusReason, message: string) =>
      sendStatus(res, statusBody(code, reason, message));
    try {
      if (parts[1] === 'faults' && parts.length === 2) {
        if (method === 'GET') return sendJson(res, 200, this.faults.snapshot());
        if (method === 'DELETE') {
          this.faults.clear();
          return sendJson(res, 200, this.faults.snapshot());
        }
      } else if (parts[1] === 'faults' && parts[2] === 'kubelets' && parts.length === 4) {
        const node = parts[3]!;
        if (method === 'PUT' || method === 'POST') {
          const fault = params.get('fault');
          if (!isKubeletFault(fault)) {
            return fail(400, 'BadRequest', `fault must be hang or malformed, got ${fault}`);
          }
          this.faults.setKubelet(node, fault);
          return sendJson(res, 200, this.faults.snapshot());
        }
        if (method === 'DELETE') {
          this.faults.setKubelet(node, undefined);
          return sendJson(res, 200, this.faults.snapshot());
        }
      } else if (parts[1] === 'restart' && parts.length === 2) {
        if (method === 'POST') {
          const down = Number(params.get('downSeconds') ?? '0');
          if (!Number.isFinite(down) || down < 0 || down > 3600) {
            return fail(400, 'BadRequest', 'downSeconds must be between 0 and 3600');
          }
          res.on('finish', () => {
            this.restart(down * 1000).catch((error: unknown) => this.options.onError?.(error));
          });
          return sendJson(res, 202, { restarting: true, downSeconds: down });
        }
      } else {
        return fail(404, 'NotFound', 'the server could not find the requested resource');
      }
      return fail(405, 'MethodNotAllowed', `${method} is not supported on ${path}`);
    } catch (error) {
      return fail(400, 'BadRequest', (error as Error).message);
    }
  }
}
