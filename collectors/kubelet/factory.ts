// Factory of the kubelet collector: typed config with its defaults. Kubelets are reached either
// directly (`direct`: https://<node>:10250 with the ServiceAccount token; RBAC nodes/metrics +
// nodes/stats) or through the API server's node proxy (`proxy`: RBAC nodes/proxy), with the same
// credentials as the kubernetes collector. Unset, the mode is `direct` in-cluster (or when a URL
// template is given) and `proxy` elsewhere — from a laptop or behind `kubectl proxy` node
// addresses are rarely reachable.
import type { KubeConfig } from '@kubernetes/client-node';
import { entryDefaults, type CollectorFactory } from '../collector.js';
import { ClientNodeKubeApi, loadKubeConfig, type KubeConnection } from '../kubernetes/api.js';
import { NodeProxyKubeletClient, type KubeletClient } from './client.js';
import { KubeletCollector, type KubeletCollectorConfig } from './collector.js';
import { kubeletEntry } from './config.js';
import { DirectKubeletClient } from './direct.js';

export type KubeletMode = 'proxy' | 'direct';

export interface KubeletFactoryConfig extends KubeletCollectorConfig {
  readonly connection: KubeConnection;
  /** How kubelets are reached; default `direct` in-cluster or with `urlTemplate`, else `proxy`. */
  readonly mode?: KubeletMode | undefined;
  /** Direct mode: kubelet base URL with `{node}`, `{address}`, `{port}`; default https://{address}:{port}. */
  readonly urlTemplate?: string | undefined;
  /** Direct mode: CA bundle of the kubelet serving certificates; default the cluster CA. */
  readonly caFile?: string | undefined;
  /** Direct mode: skip verification of kubelet serving certificates. Default false. */
  readonly insecureSkipTlsVerify?: boolean | undefined;
  /** Direct mode: bearer token file (re-read per request); default the KubeConfig's credentials. */
  readonly tokenFile?: string | undefined;
}

/** The mode a config resolves to; in-cluster includes the kubeconfig default's in-cluster fallback. */
export function kubeletMode(config: KubeletFactoryConfig, kc: KubeConfig): KubeletMode {
  if (config.mode) return config.mode;
  if (config.urlTemplate) return 'direct';
  const inCluster =
    config.connection.inCluster === true ||
    (!config.connection.server && kc.getCurrentCluster()?.name === 'inCluster');
  return inCluster ? 'direct' : 'proxy';
}

export const kubeletFactory: CollectorFactory<KubeletFactoryConfig> = {
  defaultConfig: entryDefaults(kubeletEntry),
  create: (config, deps) => {
    const kc = loadKubeConfig(config.connection);
    const api = new ClientNodeKubeApi(kc);
    const client: KubeletClient =
      kubeletMode(config, kc) === 'direct'
        ? new DirectKubeletClient(api, kc, {
            urlTemplate: config.urlTemplate,
            caFile: config.caFile,
            insecureSkipTlsVerify: config.insecureSkipTlsVerify,
            tokenFile: config.tokenFile,
          })
        : new NodeProxyKubeletClient(api);
    return new KubeletCollector(api, client, config, deps);
  },
};
