// Renders the kustomize overlays with the kubectl users run (`kubectl kustomize`, kustomize v5
// built in) and the Helm chart with a real helm (`helm template`), and walks the rendered objects.
// Shared by the deploy tests.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { collectCommand } from '../../cli/commands/collect.js';
import { planCollectors, type CollectFlags, type CollectorPlan } from '../../collectors/options.js';
import { loadConfig, validateConfig } from '../../core/config/load.js';
import type { Config } from '../../core/config/schema.js';

const run = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const KUSTOMIZE_DIR = join(ROOT, 'deploy', 'kubernetes');
export const KUBECTL = '/usr/bin/kubectl';

export const OVERLAYS = ['production', 'embedded'] as const;
export type Overlay = (typeof OVERLAYS)[number];
export const COMPONENTS = ['service-monitor', 'grafana-provisioning'] as const;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export interface Rendering {
  /** What was rendered, for messages: `production`, `embedded + service-monitor, ...`. */
  readonly name: string;
  readonly overlay: Overlay;
  readonly objects: K8sObject[];
}

/** Runs a renderer and parses the objects it prints (documents holding only comments dropped). */
async function render(command: string, args: readonly string[]): Promise<K8sObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await run(command, [...args], {
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
  return parseAllDocuments(stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

async function kustomize(dir: string): Promise<K8sObject[]> {
  if (!existsSync(KUBECTL)) {
    throw new Error(`${KUBECTL} is missing: install kubectl 1.27+ (kustomize v5 built in)`);
  }
  return render(KUBECTL, ['kustomize', dir]);
}

/** `kubectl kustomize deploy/kubernetes/overlays/<overlay>`. */
export async function renderOverlay(overlay: Overlay): Promise<Rendering> {
  return {
    name: overlay,
    overlay,
    objects: await kustomize(join(KUSTOMIZE_DIR, 'overlays', overlay)),
  };
}

/**
 * An overlay with the optional components, the way docs/deploy.md tells users to enable them: a
 * kustomization of their own (here in a temporary directory) over the shipped overlay.
 */
export async function renderWithComponents(
  overlay: Overlay,
  components: readonly string[] = COMPONENTS,
): Promise<Rendering> {
  const dir = mkdtempSync(join(tmpdir(), 'plimsoll-kustomize-'));
  try {
    const rel = (path: string) => relative(dir, path);
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'namespace: plimsoll',
        'labels:',
        '  - pairs:',
        '      app.kubernetes.io/name: plimsoll',
        '      app.kubernetes.io/part-of: plimsoll',
        '    includeSelectors: true',
        'resources:',
        `  - ${rel(join(KUSTOMIZE_DIR, 'overlays', overlay))}`,
        'components:',
        ...components.map((c) => `  - ${rel(join(KUSTOMIZE_DIR, 'components', c))}`),
        '',
      ].join('\n'),
    );
    return {
      name: `${overlay} + ${components.join(', ')}`,
      overlay,
      objects: await kustomize(dir),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every overlay, alone and with every optional component. */
export async function renderAll(): Promise<Rendering[]> {
  const plain = await Promise.all(OVERLAYS.map(renderOverlay));
  const extended = await Promise.all(OVERLAYS.map((overlay) => renderWithComponents(overlay)));
  return [...plain, ...extended];
}

export const CHART_DIR = join(ROOT, 'deploy', 'helm', 'plimsoll');
/** The release name that gives the chart's objects the names of deploy/kubernetes. */
export const RELEASE = 'plimsoll';

/** Values for `helm template`, written to a file as JSON (which YAML reads as it is). */
export type ChartValues = Record<string, unknown>;

/** The arguments of `helm <command>` for the chart with these values (in a file under `dir`). */
export function chartArgs(dir: string, values: ChartValues): string[] {
  const file = join(dir, 'values.json');
  writeFileSync(file, JSON.stringify(values));
  return [CHART_DIR, '--namespace', 'plimsoll', '--values', file];
}

/**
 * `helm template plimsoll deploy/helm/plimsoll --namespace plimsoll` in a mode, with more values:
 * what `helm install plimsoll … --namespace plimsoll` would apply. `helm` is requireHelm()'s.
 */
export async function renderChart(
  helm: string,
  name: string,
  mode: Overlay,
  values: ChartValues = {},
): Promise<Rendering> {
  const dir = mkdtempSync(join(tmpdir(), 'plimsoll-helm-'));
  try {
    const args = ['template', RELEASE, ...chartArgs(dir, { ...values, mode })];
    return { name, overlay: mode, objects: await render(helm, args) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
}

export interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}

export interface Volume {
  name: string;
  configMap?: { name: string; items?: unknown[] };
  secret?: { secretName: string; optional?: boolean };
  hostPath?: { path: string; type?: string };
  emptyDir?: unknown;
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: Container['securityContext'] & { supplementalGroups?: number[] };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}

export interface Workload {
  readonly object: K8sObject;
  readonly replicas: number | undefined;
  readonly podLabels: Record<string, string>;
  readonly pod: PodSpec;
}

export const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob']);

export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects
    .filter((o) => WORKLOAD_KINDS.has(o.kind))
    .map((object) => {
      const spec = object.spec as {
        replicas?: number;
        template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
      };
      return {
        object,
        replicas: object.kind === 'Deployment' ? (spec.replicas ?? 1) : undefined,
        podLabels: spec.template.metadata?.labels ?? {},
        pod: spec.template.spec,
      };
    });
}

export const containersOf = (pod: PodSpec): Container[] => [
  ...(pod.initContainers ?? []),
  ...pod.containers,
];

export function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** Kubernetes quantity → number (cores for CPU, bytes for memory). */
export function quantity(value: string): number {
  const match = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) throw new Error(`not a quantity: ${value}`);
  const factor: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match[1]) * factor[match[2] ?? '']!;
}

/** The one plimsoll-config ConfigMap of a rendering (kustomize suffixes a hash) and its file. */
export function configMapOf(rendering: Rendering): { object: K8sObject; text: string } {
  const maps = rendering.objects.filter(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('plimsoll-config'),
  );
  if (maps.length !== 1) throw new Error(`${rendering.name}: ${maps.length} plimsoll-config maps`);
  const text = (maps[0]!.data as Record<string, string> | undefined)?.['plimsoll.yaml'];
  if (!text)
    throw new Error(`${rendering.name}: the plimsoll-config ConfigMap has no plimsoll.yaml`);
  return { object: maps[0]!, text };
}

/** The rendered plimsoll.yaml of a rendering. */
export const configText = (rendering: Rendering): string => configMapOf(rendering).text;

/**
 * Stand-ins for the Secrets' files the configuration names, written under `dir`: the variables
 * that point the loader at them instead of the pod's mount paths.
 */
export function localSecrets(dir: string, config: Config): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const stand = (variable: string, name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    env[variable] = join(dir, name);
  };
  if (config.api.tokensFile) {
    stand(
      'PLIMSOLL_API_TOKENS_FILE',
      'tokens',
      'read:0123456789abcdef0123\nadmin:fedcba9876543210fedc\n',
    );
  }
  if (config.elasticsearch.passwordFile) {
    stand('PLIMSOLL_ELASTICSEARCH_PASSWORD_FILE', 'password', 'elastic-password\n');
  }
  if (config.kafka.sasl.passwordFile) {
    stand('PLIMSOLL_KAFKA_SASL_PASSWORD_FILE', 'kafka-password', 'kafka-password\n');
  }
  return env;
}

/**
 * The configuration a workload's container loads: the rendered ConfigMap, its own literal
 * PLIMSOLL_* variables, and the Secrets' files redirected to local stand-ins.
 */
export function podConfig(rendering: Rendering, workload: Workload): Config {
  const dir = mkdtempSync(join(tmpdir(), 'plimsoll-pod-config-'));
  try {
    const text = configText(rendering);
    writeFileSync(join(dir, 'plimsoll.yaml'), text);
    const env: NodeJS.ProcessEnv = {};
    for (const { name, value } of workload.pod.containers[0]!.env ?? []) {
      if (name.startsWith('PLIMSOLL_') && name !== 'PLIMSOLL_CONFIG' && value !== undefined) {
        env[name] = value;
      }
    }
    const secrets = localSecrets(dir, validateConfig(parseYaml(text)));
    return loadConfig({ file: join(dir, 'plimsoll.yaml'), env: { ...env, ...secrets } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a container's `plimsoll collect` arguments set, parsed by the command itself. */
async function collectFlags(args: readonly string[]): Promise<CollectFlags> {
  let parsed: Record<string, unknown> = {};
  const command = collectCommand()
    .exitOverride()
    .action((options: Record<string, unknown>) => {
      parsed = options;
    });
  await command.parseAsync([...args], { from: 'user' });
  const { collectors, port: _port, ...flags } = parsed;
  return {
    ...(flags as CollectFlags),
    collectors: typeof collectors === 'string' ? collectors.split(',') : undefined,
  };
}

/**
 * What a `plimsoll collect` workload runs and with which options, as its container would work it
 * out; `NODE_NAME` from the downward API reads as `<spec.nodeName>`. Undefined for other roles.
 */
export async function collectPlan(
  rendering: Rendering,
  workload: Workload,
): Promise<CollectorPlan | undefined> {
  const container = workload.pod.containers[0]!;
  const [command, ...args] = container.args ?? [];
  if (command !== 'collect') return undefined;
  const env: NodeJS.ProcessEnv = {};
  for (const variable of container.env ?? []) {
    const field = (variable.valueFrom as { fieldRef?: { fieldPath: string } } | undefined)?.fieldRef
      ?.fieldPath;
    env[variable.name] = variable.value ?? (field && `<${field}>`);
  }
  return planCollectors(podConfig(rendering, workload), await collectFlags(args), env);
}
