// The Kubernetes API behind a small interface, so collectors and tests can swap it. The real one
// authenticates with @kubernetes/client-node's KubeConfig (kubeconfig file, in-cluster
// ServiceAccount, or a bare server URL such as a `kubectl proxy` or the simulator), fetches raw
// JSON with axios (the mappers in collectors/formats read API JSON, not client-node's classes), and
// watches with client-node's Watch.
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import type { Readable } from 'node:stream';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import axios, { type AxiosResponse } from 'axios';

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    /** HTTP status, or undefined for a network error or timeout. */
    readonly status: number | undefined,
    readonly timedOut = false,
  ) {
    super(message);
  }
}

export interface RequestOptionsLite {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Caps the body; larger responses fail instead of exhausting memory. Default 256 MiB. */
  readonly maxBytes?: number;
}

export type WatchEventHandler = (type: string, object: unknown) => void;

export interface WatchHandle {
  abort(): void;
}

export interface KubeApi {
  /** API server URL, for logs. */
  readonly server: string;
  getJson(path: string, options?: RequestOptionsLite): Promise<unknown>;
  getText(
    path: string,
    options?: RequestOptionsLite,
  ): Promise<{ text: string; contentType: string }>;
  /** A streamed body (log follow); the caller destroys the stream when done. */
  getStream(path: string, options?: RequestOptionsLite): Promise<Readable>;
  /** Watch a collection; `done` is called once, with the error if it ended because of one. */
  watch(
    path: string,
    params: Record<string, string>,
    onEvent: WatchEventHandler,
    done: (error: unknown) => void,
  ): Promise<WatchHandle>;
}

export interface KubeConnection {
  /** Kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount. */
  readonly kubeconfig?: string | undefined;
  /** Use the in-cluster ServiceAccount token and CA only. */
  readonly inCluster?: boolean | undefined;
  /** A bare API server URL without credentials (kubectl proxy, the simulator). Wins over the rest. */
  readonly server?: string | undefined;
}

export function loadKubeConfig(connection: KubeConnection): KubeConfig {
  const kc = new KubeConfig();
  if (connection.server) {
    kc.loadFromOptions({
      clusters: [
        {
          name: 'plimsoll',
          server: connection.server,
          // client-node refuses plain http unless TLS verification is explicitly off.
          skipTLSVerify: connection.server.startsWith('http:'),
        },
      ],
      users: [{ name: 'plimsoll' }],
      contexts: [{ name: 'plimsoll', cluster: 'plimsoll', user: 'plimsoll' }],
      currentContext: 'plimsoll',
    });
  } else if (connection.inCluster) {
    kc.loadFromCluster();
  } else if (connection.kubeconfig) {
    kc.loadFromFile(connection.kubeconfig);
  } else {
    kc.loadFromDefault();
  }
  return kc;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export class ClientNodeKubeApi implements KubeApi {
  readonly server: string;
  private readonly watcher: Watch;
  private agent: HttpsAgent | undefined;

  constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.watcher = new Watch(kc);
  }

  async getJson(path: string, options: RequestOptionsLite = {}): Promise<unknown> {
    const { text } = await this.getText(path, options);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new KubeApiError(`malformed JSON from ${path}: ${(error as Error).message}`, 200);
    }
  }

  async getText(
    path: string,
    options: RequestOptionsLite = {},
  ): Promise<{ text: string; contentType: string }> {
    const response = await this.get<string>(path, options, 'text');
    return { text: response.data, contentType: String(response.headers['content-type'] ?? '') };
  }

  async getStream(path: string, options: RequestOptionsLite = {}): Promise<Readable> {
    const response = await this.get<Readable>(path, options, 'stream');
    return response.data;
  }

  watch(
    path: string,
    params: Record<string, string>,
    onEvent: WatchEventHandler,
    done: (error: unknown) => void,
  ): Promise<WatchHandle> {
    return this.watcher.watch(path, params, onEvent, done);
  }

  private async get<T>(
    path: string,
    options: RequestOptionsLite,
    responseType: 'text' | 'stream',
  ): Promise<AxiosResponse<T>> {
    const auth: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(auth);
    this.agent ??= new HttpsAgent({
      keepAlive: true,
      ...(auth.ca !== undefined && { ca: auth.ca }),
      ...(auth.cert !== undefined && { cert: auth.cert }),
      ...(auth.key !== undefined && { key: auth.key }),
      ...(auth.rejectUnauthorized !== undefined && {
        rejectUnauthorized: auth.rejectUnauthorized,
      }),
    });
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(auth.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[key] = String(value);
    }
    if (auth.auth) headers.Authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    try {
      return await axios
        .get<T>(`${this.server}${path}`, {
          headers,
          httpsAgent: this.agent,
          responseType,
          // Text stays text: JSON is parsed by the caller, so malformed bodies are ours to count.
          transformResponse: (data: T) => data,
          timeout: options.timeoutMs ?? 0,
          ...(options.signal && { signal: options.signal }),
          maxContentLength: options.maxBytes ?? DEFAULT_MAX_BYTES,
          validateStatus: () => true,
        })
        .then((response) => {
          if (response.status >= 200 && response.status < 300) return response;
          if (responseType === 'stream') (response.data as Readable).destroy();
          const detail = responseType === 'text' ? String(response.data).slice(0, 200) : '';
          throw new KubeApiError(`GET ${path}: HTTP ${response.status} ${detail}`, response.status);
        });
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      const e = error as { code?: string; message: string };
      const timedOut = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT';
      throw new KubeApiError(`GET ${path}: ${e.message}`, undefined, timedOut);
    }
  }
}

/** The bounded error types a Kubernetes API failure is counted under. */
export function kubeErrorType(
  error: unknown,
): 'timeout' | 'unavailable' | 'rejected' | 'malformed' {
  if (error instanceof KubeApiError) {
    if (error.timedOut) return 'timeout';
    if (error.status === 200) return 'malformed';
    if (error.status === undefined || error.status >= 500 || error.status === 429) {
      return 'unavailable';
    }
    return 'rejected';
  }
  return 'unavailable';
}
