// The Helm chart (deploy/helm/plimsoll), linted and rendered by a real helm that
// scripts/tools.sh builds from the Go module proxy: both modes, alone and with the
// ServiceMonitor, the PrometheusRule and the Grafana dashboards, pass the checks the kustomize
// manifests pass (checks.ts) and render, object for object, what the kustomize overlays render;
// the rule groups and the dashboards equal their sources; the values do what README.md says.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadConfig, validateConfig } from '../../core/config/load.js';
import { drift, driftMessage, HELM_CHART, SYNC_COMMAND } from '../../scripts/deploy-copies.js';
import { setUp } from '../support/services.js';
import { requireHelm } from '../support/tools.js';
import { id, MANIFEST_CHECKS, named, RBAC_CHECKS, rulesOf, runChecks } from './checks.js';
import {
  CHART_DIR,
  chartArgs,
  configText,
  OVERLAYS,
  renderAll,
  renderChart,
  ROOT,
  workloads,
  type ChartValues,
  type K8sObject,
  type Overlay,
  type Rendering,
} from './support.js';

const run = promisify(execFile);
const TIMEOUT = 120_000;

const MONITORING: ChartValues = {
  serviceMonitor: { enabled: true },
  prometheusRule: { enabled: true },
  grafanaDashboards: { enabled: true },
};
const WITH_MONITORING = ' + serviceMonitor, prometheusRule, grafanaDashboards';

const GENERATED = join(ROOT, 'dashboards', 'generated');
const dashboardFiles = () => readdirSync(GENERATED).filter((f) => f.endsWith('.json'));

const chartYaml = () =>
  parseYaml(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as {
    version: string;
    appVersion: string;
  };

// What the chart adds on purpose and kustomize does not: its own labels (selectors include the
// release, `app.kubernetes.io/instance`), annotations (the configuration's checksum) and the
// image pull policy. Everything else of an object must be the same.
const CHART_SELECTOR_LABELS = new Set(['app.kubernetes.io/instance', 'app.kubernetes.io/part-of']);
const CHART_OWNED_FIELDS = new Set(['labels', 'annotations', 'imagePullPolicy']);

/** An object as the comparison sees it: without what either renderer owns. */
function essence(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => essence(v));
  // kustomize suffixes the ConfigMap's content hash to its name; the chart rolls pods by checksum.
  if (typeof value === 'string')
    return value.replace(/^plimsoll-config-[a-z0-9]{10}$/, 'plimsoll-config');
  if (value === null || typeof value !== 'object') return value;
  const selector = key === 'matchLabels' || key === 'selector';
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !CHART_OWNED_FIELDS.has(k) && !(selector && CHART_SELECTOR_LABELS.has(k)))
      .map(([k, v]) => [k, essence(v, k)]),
  );
}

/** Objects by kind/name, as the comparison sees them. The configuration is compared parsed. */
function essences(objects: readonly K8sObject[]): Record<string, unknown> {
  return Object.fromEntries(
    objects
      .filter((o) => o.kind !== 'Namespace')
      .map((o) => {
        const { data: _data, ...rest } = o;
        const object = o.metadata.name.startsWith('plimsoll-config') ? rest : o;
        return [id(essence(object) as K8sObject), essence(object)];
      }),
  );
}

const configMaps = (r: Rendering) => named(r.objects, 'ConfigMap');

const byName = <T>(items: readonly T[], name: (item: T) => string) =>
  Object.fromEntries(items.map((item) => [name(item), item]));

describe('deploy/helm/plimsoll', { timeout: 30 * 60_000 }, () => {
  let helm = '';
  let dir = '';
  let chart: Rendering[] = [];
  let kustomize: Rendering[] = [];

  const rendered = (mode: Overlay, monitoring = false): Rendering =>
    chart.find((r) => r.name === `helm ${mode}${monitoring ? WITH_MONITORING : ''}`)!;
  const kustomized = (mode: Overlay, components = false): Rendering =>
    kustomize.find((r) => r.overlay === mode && r.name.includes('+') === components)!;
  const helmRun = (args: string[]) =>
    run(helm, args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  const render = (mode: Overlay, values: ChartValues) =>
    renderChart(helm, `helm ${mode} ${JSON.stringify(values)}`, mode, values);

  before(
    async () => {
      helm = await requireHelm();
      dir = mkdtempSync(join(tmpdir(), 'plimsoll-helm-test-'));
      [chart, kustomize] = await Promise.all([
        Promise.all(
          OVERLAYS.flatMap((mode) => [
            renderChart(helm, `helm ${mode}`, mode),
            renderChart(helm, `helm ${mode}${WITH_MONITORING}`, mode, MONITORING),
          ]),
        ),
        renderAll(),
      ]);
    },
    { timeout: 25 * 60_000 },
  );

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'passes helm lint --strict with default values and with production values',
    { timeout: TIMEOUT },
    async () => {
      for (const values of [
        {},
        { mode: 'production' },
        MONITORING,
        { ...MONITORING, mode: 'production' },
      ]) {
        const { stdout } = await helmRun(['lint', '--strict', ...chartArgs(dir, values)]);
        assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/, JSON.stringify(values));
      }
    },
  );

  it(
    'renders both modes, with and without serviceMonitor, prometheusRule and grafanaDashboards',
    { timeout: TIMEOUT },
    () => {
      assert.equal(chart.length, 4);
      const dashboards = dashboardFiles().length;
      for (const rendering of chart) {
        const monitoring = rendering.name.endsWith(WITH_MONITORING);
        const count = (kind: string) => named(rendering.objects, kind).length;
        assert.equal(count('ServiceMonitor'), monitoring ? 1 : 0, rendering.name);
        assert.equal(count('PrometheusRule'), monitoring ? 1 : 0, rendering.name);
        const sidecar = configMaps(rendering).filter(
          (o) => o.metadata.labels?.grafana_dashboard === '1',
        );
        assert.equal(sidecar.length, monitoring ? dashboards : 0, rendering.name);
        assert.equal(count('Namespace'), 0, "the namespace is the release's, made by the operator");
      }
    },
  );

  describe('passes the checks of deploy/kubernetes', { timeout: 10 * 60_000 }, () => {
    runChecks(MANIFEST_CHECKS, () => chart, TIMEOUT);
  });

  describe('passes the RBAC checks of deploy/kubernetes', { timeout: 10 * 60_000 }, () => {
    runChecks(RBAC_CHECKS, () => chart, TIMEOUT);
  });

  describe('renders what the kustomize overlays render', { timeout: 10 * 60_000 }, () => {
    it('runs the same workloads, kind and name, in each mode', { timeout: TIMEOUT }, () => {
      for (const mode of OVERLAYS) {
        const names = (r: Rendering) =>
          workloads(r.objects)
            .map((w) => id(w.object))
            .sort();
        assert.deepEqual(names(rendered(mode)), names(kustomized(mode)), mode);
      }
    });

    it('grants the same ClusterRole rules', { timeout: TIMEOUT }, () => {
      for (const mode of OVERLAYS) {
        const rules = (r: Rendering) => {
          const byRole: Record<string, unknown[]> = {};
          for (const { role, rule } of rulesOf(r.objects)) (byRole[role] ??= []).push(rule);
          return byRole;
        };
        assert.deepEqual(rules(rendered(mode)), rules(kustomized(mode)), mode);
      }
    });

    it('runs the same containers: image, command and arguments', { timeout: TIMEOUT }, () => {
      for (const mode of OVERLAYS) {
        const containers = (r: Rendering) =>
          Object.fromEntries(
            workloads(r.objects).map((w) => [
              id(w.object),
              w.pod.containers.map((c) => ({
                name: c.name,
                image: c.image,
                command: (c as { command?: string[] }).command,
                args: c.args,
              })),
            ]),
          );
        assert.deepEqual(containers(rendered(mode)), containers(kustomized(mode)), mode);
      }
    });

    it(
      'renders every object the same but for the labels, annotations and pull policy it owns',
      { timeout: TIMEOUT },
      () => {
        for (const mode of OVERLAYS) {
          assert.deepEqual(
            essences(rendered(mode).objects),
            essences(kustomized(mode).objects),
            mode,
          );
        }
      },
    );

    it('scrapes the same way as the service-monitor component', { timeout: TIMEOUT }, () => {
      for (const mode of OVERLAYS) {
        const scrape = (r: Rendering) =>
          essences(
            r.objects.filter(
              (o) => o.kind === 'ServiceMonitor' || o.metadata.name === 'plimsoll-metrics',
            ),
          );
        assert.deepEqual(scrape(rendered(mode, true)), scrape(kustomized(mode, true)), mode);
      }
    });

    it(
      'generates the configuration of the overlay, as Plimsoll reads it',
      { timeout: TIMEOUT },
      () => {
        for (const mode of OVERLAYS) {
          const config = (r: Rendering) => validateConfig(parseYaml(configText(r)), r.name);
          assert.deepEqual(config(rendered(mode)), config(kustomized(mode)), mode);
        }
      },
    );
  });

  describe('PrometheusRule', { timeout: 5 * 60_000 }, () => {
    it('holds exactly the groups of alerts/plimsoll.rules.yml', { timeout: TIMEOUT }, () => {
      const source = parseYaml(
        readFileSync(join(ROOT, 'alerts', 'plimsoll.rules.yml'), 'utf8'),
      ) as {
        groups: unknown[];
      };
      for (const mode of OVERLAYS) {
        const [rule, ...more] = named(rendered(mode, true).objects, 'PrometheusRule');
        assert.ok(rule && more.length === 0, `${mode}: one PrometheusRule`);
        assert.equal(rule.apiVersion, 'monitoring.coreos.com/v1');
        assert.equal(rule.metadata.namespace, 'plimsoll');
        assert.deepEqual(Object.keys(rule.spec as object), ['groups']);
        assert.deepEqual((rule.spec as { groups: unknown[] }).groups, source.groups, mode);
      }
    });

    it(
      'carries the labels a Prometheus selects rules and monitors by',
      { timeout: TIMEOUT },
      async () => {
        const release = { release: 'kube-prometheus-stack' };
        const r = await render('production', {
          serviceMonitor: { enabled: true, labels: release },
          prometheusRule: { enabled: true, labels: release },
        });
        for (const kind of ['PrometheusRule', 'ServiceMonitor']) {
          assert.equal(named(r.objects, kind)[0]?.metadata.labels?.release, release.release, kind);
        }
      },
    );

    it(
      'scrapes with a read token: the Secret named, or the first read token given in values',
      { timeout: TIMEOUT },
      async () => {
        type Endpoint = { authorization?: { credentials: { name: string; key: string } } };
        const credentials = (objects: typeof r.objects) =>
          (named(objects, 'ServiceMonitor')[0]!.spec as { endpoints: Endpoint[] }).endpoints[0]!
            .authorization?.credentials;
        const r = await render('production', { serviceMonitor: { enabled: true } });
        assert.deepEqual(credentials(r.objects), { name: 'plimsoll-metrics-token', key: 'token' });

        const read = ['scrape-read-token-0123456789', 'other-read-token-0123456789'];
        const given = await render('production', {
          serviceMonitor: { enabled: true },
          apiTokens: { read },
        });
        const reference = credentials(given.objects)!;
        const secret = named(given.objects, 'Secret').find(
          (s) => s.metadata.name === reference.name,
        );
        const data = (secret as { stringData?: Record<string, string> } | undefined)?.stringData;
        assert.equal(data?.[reference.key], read[0], 'the chart-made Secret holds the token');
        assert.match(data?.tokens ?? '', new RegExp(`^read:${read[0]}$`, 'm'), 'a read token');

        const open = await render('production', {
          serviceMonitor: { enabled: true, tokenSecret: { name: '' } },
          config: { api: { metricsPublic: true } },
        });
        assert.equal(credentials(open.objects), undefined, 'no Secret named: no token');
      },
    );
  });

  describe('Grafana dashboards', { timeout: 5 * 60_000 }, () => {
    it(
      'renders one ConfigMap per dashboard of dashboards/generated, labelled for the sidecar',
      { timeout: TIMEOUT },
      () => {
        for (const mode of OVERLAYS) {
          const maps = configMaps(rendered(mode, true)).filter(
            (o) => o.metadata.labels?.grafana_dashboard === '1',
          );
          const files = dashboardFiles();
          const byFile = byName(maps, (m) => Object.keys(m.data as object).join(','));
          assert.deepEqual(Object.keys(byFile).sort(), files.sort(), `${mode}: one per dashboard`);
          for (const file of files) {
            const map = byFile[file]!;
            assert.equal(map.metadata.annotations?.grafana_folder, 'Plimsoll', file);
            assert.deepEqual(
              JSON.parse((map.data as Record<string, string>)[file]!),
              JSON.parse(readFileSync(join(GENERATED, file), 'utf8')),
              `${file}: the dashboard of dashboards/generated (refresh with \`${SYNC_COMMAND}\`)`,
            );
          }
        }
      },
    );

    it(
      'takes the sidecar label, its value and the folder from values',
      { timeout: TIMEOUT },
      async () => {
        const r = await render('embedded', {
          grafanaDashboards: {
            enabled: true,
            label: 'team_dashboard',
            labelValue: 'ops',
            folder: 'Capacity',
          },
        });
        const maps = configMaps(r).filter((o) => o.metadata.name.includes('dashboard-'));
        assert.equal(maps.length, dashboardFiles().length);
        for (const map of maps) {
          assert.equal(map.metadata.labels?.team_dashboard, 'ops');
          assert.equal(map.metadata.labels?.grafana_dashboard, undefined);
          assert.equal(map.metadata.annotations?.grafana_folder, 'Capacity');
        }
      },
    );

    it(
      "provides every datasource the dashboards name, at this installation's URLs, none the default",
      { timeout: TIMEOUT },
      () => {
        // Datasources named by uid rather than through the dashboards' datasource variable.
        const byUid = new Set(
          dashboardFiles().flatMap((f) =>
            [
              ...readFileSync(join(GENERATED, f), 'utf8').matchAll(
                /"uid": "(plimsoll-(?:prometheus|es-[a-z]+))"/g,
              ),
            ].map((m) => m[1]!),
          ),
        );
        for (const mode of OVERLAYS) {
          const map = configMaps(rendered(mode, true)).find(
            (o) => o.metadata.labels?.grafana_datasource === '1',
          );
          assert.ok(map, `${mode}: a datasource ConfigMap for the sidecar`);
          const { datasources } = parseYaml(
            (map.data as Record<string, string>)['plimsoll.yaml']!,
          ) as {
            datasources: { uid: string; type: string; url: string; isDefault: boolean }[];
          };
          const provided = new Set(datasources.map((d) => d.uid));
          // Embedded keeps no Elasticsearch: its log and event panels stay empty.
          const wanted = [...byUid].filter((u) => mode === 'production' || !u.includes('-es-'));
          assert.deepEqual(
            wanted.filter((u) => !provided.has(u)),
            [],
            `${mode}: the dashboards' datasources`,
          );
          assert.ok(provided.has('plimsoll-prometheus'), mode);
          for (const d of datasources) {
            assert.equal(d.isDefault, false, `${d.uid}: the Grafana keeps its default`);
            assert.equal(
              d.url,
              d.type === 'prometheus'
                ? 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090'
                : 'https://elasticsearch-es-http.elastic.svc:9200',
            );
          }
        }
      },
    );
  });

  it('keeps its copies equal to alerts/ and dashboards/generated/', { timeout: TIMEOUT }, () => {
    const problems = drift(HELM_CHART);
    assert.deepEqual(problems, [], driftMessage(HELM_CHART, problems));
  });

  describe('values', { timeout: 10 * 60_000 }, () => {
    it(
      "tags the image with the chart's appVersion, package.json's version, unless pinned",
      { timeout: TIMEOUT },
      async () => {
        const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
          version: string;
        };
        const { version, appVersion } = chartYaml();
        assert.equal(appVersion, pkg.version, 'Chart.yaml appVersion is the release');
        assert.equal(version, pkg.version, 'Chart.yaml version moves with it');
        const images = (r: Rendering) =>
          new Set(
            workloads(r.objects).flatMap((w) =>
              w.pod.containers.map(
                (c) => `${c.image} ${(c as { imagePullPolicy?: string }).imagePullPolicy}`,
              ),
            ),
          );
        for (const rendering of chart) {
          assert.deepEqual(
            images(rendering),
            new Set([`registry.example.com/plimsoll/plimsoll:${appVersion} IfNotPresent`]),
          );
        }
        const digest = `sha256:${'a'.repeat(64)}`;
        const pinned = await render('production', {
          image: {
            registry: 'r.example',
            repository: 'ops/plimsoll',
            tag: '0.1.1',
            digest,
            pullPolicy: 'Always',
          },
        });
        assert.deepEqual(
          images(pinned),
          new Set([`r.example/ops/plimsoll:0.1.1@${digest} Always`]),
        );
        const hub = await render('embedded', { image: { registry: '', tag: '0.1.1' } });
        assert.deepEqual(images(hub), new Set(['plimsoll/plimsoll:0.1.1 IfNotPresent']));
        await assert.rejects(render('embedded', { image: { tag: 'latest' } }), /image\/tag/);
      },
    );

    it(
      'reads the API tokens from an existing Secret, or makes the Secret from values',
      { timeout: TIMEOUT },
      async () => {
        const secretOf = (r: Rendering) =>
          new Set(
            workloads(r.objects).map(
              (w) => w.pod.volumes?.find((v) => v.name === 'api-tokens')?.secret?.secretName,
            ),
          );
        const existing = await render('production', {
          apiTokens: { existingSecret: 'ops-tokens' },
        });
        assert.deepEqual(secretOf(existing), new Set(['ops-tokens']));
        assert.equal(named(existing.objects, 'Secret').length, 0, 'references it, makes none');

        const read = 'r'.repeat(24);
        const admin = 'a'.repeat(24);
        const made = await render('embedded', { apiTokens: { read: [read], admin: [admin] } });
        const [secret, ...more] = named(made.objects, 'Secret');
        assert.ok(secret && more.length === 0);
        assert.deepEqual(secretOf(made), new Set([secret.metadata.name]));
        const tokens = (secret.stringData as Record<string, string>).tokens!;
        assert.equal(tokens, `read:${read}\nadmin:${admin}\n`);
        for (const w of workloads(made.objects)) {
          const pod = (w.object.spec as { template: { metadata: { annotations?: object } } })
            .template.metadata;
          assert.ok(
            pod.annotations && 'checksum/api-tokens' in pod.annotations,
            'a token change rolls the pods',
          );
        }
        // The file the Secret holds is one Plimsoll reads.
        const file = join(dir, 'tokens');
        writeFileSync(file, tokens);
        writeFileSync(join(dir, 'plimsoll.yaml'), configText(made));
        const config = loadConfig({
          file: join(dir, 'plimsoll.yaml'),
          env: { PLIMSOLL_API_TOKENS_FILE: file },
        });
        assert.deepEqual([config.api.readTokens, config.api.adminTokens], [[read], [admin]]);

        await assert.rejects(
          render('embedded', { apiTokens: { read: ['short'] } }),
          /apiTokens\/read\/0/,
        );
      },
    );

    it(
      'connects production to the Kafka and Elasticsearch it is given, with their Secrets',
      { timeout: TIMEOUT },
      async () => {
        const r = await render('production', {
          kafka: {
            brokers: ['kafka-0.example:9093', 'kafka-1.example:9093'],
            existingSecret: 'kafka-user',
            tls: { enabled: true, privateCa: true, clientCertificate: true },
            sasl: { mechanism: 'scram-sha-256', username: 'capacity' },
          },
          elasticsearch: {
            node: 'https://es.example:9200',
            username: 'capacity',
            existingSecret: 'es-user',
            caSecret: '',
          },
        });
        const config = validateConfig(parseYaml(configText(r)));
        assert.deepEqual(config.kafka.brokers, ['kafka-0.example:9093', 'kafka-1.example:9093']);
        assert.deepEqual(config.kafka.sasl, {
          mechanism: 'scram-sha-256',
          username: 'capacity',
          passwordFile: '/etc/plimsoll/secrets/kafka/password',
        });
        assert.deepEqual(config.kafka.ssl, {
          enabled: true,
          rejectUnauthorized: true,
          caFile: '/etc/plimsoll/secrets/kafka/ca.crt',
          certFile: '/etc/plimsoll/secrets/kafka/user.crt',
          keyFile: '/etc/plimsoll/secrets/kafka/user.key',
        });
        assert.equal(config.elasticsearch.node, 'https://es.example:9200');
        assert.equal(
          config.elasticsearch.passwordFile,
          '/etc/plimsoll/secrets/elasticsearch/password',
        );
        for (const w of workloads(r.objects)) {
          const mounted = (secret: string) => {
            const volume = w.pod.volumes?.find((v) => v.secret?.secretName === secret);
            return w.pod.containers[0]!.volumeMounts?.find((m) => m.name === volume?.name)
              ?.mountPath;
          };
          assert.equal(mounted('kafka-user'), '/etc/plimsoll/secrets/kafka', id(w.object));
          assert.equal(mounted('es-user'), '/etc/plimsoll/secrets/elasticsearch', id(w.object));
          assert.ok(
            !w.pod.volumes?.some((v) => v.name === 'elasticsearch-ca'),
            'no CA Secret named',
          );
          assert.ok(!w.pod.containers[0]!.env?.some((e) => e.name === 'NODE_EXTRA_CA_CERTS'));
        }

        const open = await render('production', {
          kafka: { tls: { enabled: false }, sasl: { mechanism: 'none' } },
          elasticsearch: { node: 'http://es.example:9200', username: '' },
        });
        const plain = validateConfig(parseYaml(configText(open)));
        assert.deepEqual(plain.kafka.sasl, { mechanism: 'none' });
        assert.equal(plain.elasticsearch.username, undefined);
        for (const w of workloads(open.objects)) {
          const names = (w.pod.volumes ?? []).map((v) => v.name);
          assert.ok(
            !names.includes('kafka') && !names.includes('elasticsearch'),
            `${id(w.object)}: no password Secrets`,
          );
        }
      },
    );

    it(
      "installs the quick start's production values of docs/deploy.md",
      { timeout: TIMEOUT },
      async () => {
        const docs = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
        const block = /```yaml\n# production\.yaml\n([\s\S]*?)```/.exec(docs);
        assert.ok(block, 'docs/deploy.md has the production.yaml of its quick start');
        const values = parseYaml(block[1]!) as ChartValues;
        const { stdout } = await helmRun(['lint', '--strict', ...chartArgs(dir, values)]);
        assert.match(stdout, /0 chart\(s\) failed/);
        const r = await render('production', values);
        const config = validateConfig(parseYaml(configText(r)));
        assert.equal(config.kafka.ssl.caFile, '/etc/plimsoll/secrets/kafka/ca.crt');
        assert.deepEqual(
          config.alerting.alertmanagerUrls,
          (values.config as { alerting: { alertmanagerUrls: string[] } }).alerting.alertmanagerUrls,
        );
      },
    );

    it('merges config over what it generates', { timeout: TIMEOUT }, async () => {
      const r = await render('production', {
        cluster: 'prod-eu-1',
        config: {
          alerting: { alertmanagerUrls: ['http://alertmanager.monitoring.svc:9093'] },
          collectors: { kubelet: { intervalSeconds: 60 } },
          api: { metricsPublic: true },
        },
      });
      const config = validateConfig(parseYaml(configText(r)));
      assert.equal(config.cluster, 'prod-eu-1');
      assert.deepEqual(config.alerting.alertmanagerUrls, [
        'http://alertmanager.monitoring.svc:9093',
      ]);
      assert.equal(config.alerting.defaultTeam, 'platform', 'the rest of a map stays');
      assert.equal(config.collectors.kubelet.intervalSeconds, 60);
      assert.equal(config.collectors.kubelet.mode, 'direct', 'what the RBAC needs stays');
      assert.equal(config.api.metricsPublic, true, 'a value replaces what the chart sets');
    });

    it(
      'keeps a disruption budget only where it leaves room for an eviction',
      { timeout: TIMEOUT },
      async () => {
        const r = await render('production', { api: { replicas: 1 }, ingest: { replicas: 3 } });
        assert.deepEqual(
          named(r.objects, 'PodDisruptionBudget').map((o) => o.metadata.name),
          ['plimsoll-ingest'],
        );
        const replicas = byName(workloads(r.objects), (w) => id(w.object));
        assert.equal(replicas['Deployment/plimsoll-ingest']?.replicas, 3);
      },
    );

    it('refuses a mode it does not know', { timeout: TIMEOUT }, async () => {
      await assert.rejects(render('staging' as Overlay, {}), /mode/);
    });
  });

  it('documents every value in README.md', { timeout: TIMEOUT }, () => {
    const values = parseYaml(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const ROLES = ['embedded', 'collector', 'nodeLogs', 'ingest', 'analyzer', 'api'];
    // Leaves, empty maps and lists, and the maps documented whole (resources, free-form config).
    const paths = (value: unknown, prefix: string): string[] =>
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).length > 0 &&
      !/(^|\.)(resources|config)$/.test(prefix)
        ? Object.entries(value).flatMap(([k, v]) => paths(v, prefix ? `${prefix}.${k}` : k))
        : [prefix];
    for (const path of paths(values, '')) {
      const [head, ...rest] = path.split('.');
      const generic = ROLES.includes(head!) && `\`<role>.${rest.join('.')}\``;
      assert.ok(
        readme.includes(`\`${path}\``) || (generic && readme.includes(generic)),
        `README.md documents ${path}`,
      );
    }
  });

  it(
    'says which command provides a missing tool, instead of skipping',
    { timeout: TIMEOUT },
    async () => {
      await assert.rejects(
        setUp(
          ['-c', 'echo "go: not found" >&2; exit 1'],
          'helm is not available',
          'bash scripts/tools.sh install helm',
        ),
        /helm is not available\.\nRun: bash scripts\/tools\.sh install helm\ngo: not found/,
      );
    },
  );
});
