// The local control plane (`scripts/services.sh up kube`): its admin kubeconfig, a namespace of
// one's own per test, and a kubeconfig per ServiceAccount with a token from the TokenRequest API,
// the token a pod of that ServiceAccount would be given.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { SERVICE_URLS } from './services.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const KUBE_STATE = join(
  process.env.PLIMSOLL_SERVICES_DIR ?? join(ROOT, '.services'),
  'state',
  'kube',
);
export const ADMIN_KUBECONFIG = join(KUBE_STATE, 'admin.kubeconfig');
/** The CA bundle the API server wrote on its first start; every kubeconfig here trusts it. */
export const API_CA = join(KUBE_STATE, 'pki', 'apiserver.crt');

export function adminConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(ADMIN_KUBECONFIG);
  return kc;
}

/** A fresh namespace, so tests sharing the control plane do not see each other's objects. */
export async function freshNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await adminConfig()
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name } } });
  return name;
}

/** A kubeconfig file that authenticates as the ServiceAccount, with a one-hour bound token. */
export async function serviceAccountKubeconfig(namespace: string, name: string): Promise<string> {
  const status = await adminConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccountToken({
      name,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
  const token = status.status?.token;
  if (!token) throw new Error(`no token issued for ServiceAccount ${namespace}/${name}`);
  const file = join(mkdtempSync(join(tmpdir(), 'plimsoll-sa-')), `${name}.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'local', cluster: { server: SERVICE_URLS.kube, 'certificate-authority': API_CA } },
      ],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: 'local', user: name } }],
      'current-context': name,
    }),
    { mode: 0o600 },
  );
  return file;
}

/** Who the API server says a kubeconfig is (SelfSubjectReview). */
export async function whoAmI(kc: KubeConfig): Promise<string | undefined> {
  const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status?.userInfo?.username;
}
