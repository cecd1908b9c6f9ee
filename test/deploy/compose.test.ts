// deploy/compose: valid YAML, every image pinned to a version, every bind mount and secret file
// present in the repository, the Plimsoll configuration accepted by Plimsoll's own loader, the
// Prometheus and Alertmanager files accepted by promtool and amtool, versions matching the ones
// the tests run against (scripts/services.sh).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../core/config/load.js';
import { requireServices } from '../support/services.js';
import { ROOT } from './support.js';

const run = promisify(execFile);
const DIR = join(ROOT, 'deploy', 'compose');
const COMPOSE = join(DIR, 'compose.yaml');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  secrets?: { source: string; target: string }[];
  depends_on?: string[] | Record<string, { condition: string }>;
  network_mode?: string;
  ports?: string[];
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
}

interface ComposeFile {
  services: Record<string, Service>;
  secrets?: Record<string, { file: string }>;
  volumes?: Record<string, unknown>;
}

// Compose's `<<: *plimsoll` merge keys are YAML 1.1; the yaml package applies them on request.
const compose = parseYaml(readFileSync(COMPOSE, 'utf8'), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);
const image = (name: string) => compose.services[name]?.image ?? '';

describe('deploy/compose', () => {
  it('runs Kafka (KRaft), Elasticsearch, Prometheus, Alertmanager, Grafana and every Plimsoll role', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), [
      'alertmanager',
      'elasticsearch',
      'grafana',
      'kafka',
      'plimsoll-api',
      'plimsoll-collector',
      'plimsoll-ingest',
      'prometheus',
      'simulator',
    ]);
    assert.match(String(compose.services.kafka!.environment!.KAFKA_PROCESS_ROLES), /controller/);
    assert.ok(!services.some(([name]) => name.includes('zookeeper')), 'KRaft: no ZooKeeper');
    const roles = services
      .filter(([, s]) => s.image?.startsWith('plimsoll:'))
      .map(([, s]) => s.command![0]);
    assert.deepEqual(roles.sort(), ['collect', 'ingest', 'serve', 'simulate']);
  });

  it('pins every image to a version, never latest', () => {
    for (const [name, service] of services) {
      assert.ok(service.image, `${name} names its image`);
      const tag = /:([^:/]+)$/.exec(service.image)?.[1] ?? '';
      assert.match(tag, /^v?\d+\.\d+\.\d+$/, `${name}: ${service.image} is pinned`);
    }
  });

  it('uses the versions the tests run against (scripts/services.sh)', () => {
    const script = readFileSync(join(ROOT, 'scripts', 'services.sh'), 'utf8');
    const first = (variable: string) =>
      new RegExp(`${variable}=\\$\\{[A-Z_]+:-([0-9.]+)`).exec(script)?.[1];
    assert.equal(image('kafka'), `apache/kafka:${first('KAFKA_VERSIONS')}`);
    assert.equal(
      image('elasticsearch'),
      `docker.elastic.co/elasticsearch/elasticsearch:${first('ES_VERSIONS')}`,
    );
    // Debian bookworm's prometheus (2.42) and alertmanager (0.25) run the alert tests.
    assert.match(image('prometheus'), /^prom\/prometheus:v2\.42\.\d+$/);
    assert.match(image('alertmanager'), /^prom\/alertmanager:v0\.25\.\d+$/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(image('plimsoll-api'), `plimsoll:${pkg.version}`);
    assert.equal(compose.services['plimsoll-api']!.build?.context, '../..');
    assert.ok(existsSync(join(DIR, '../..', compose.services['plimsoll-api']!.build.dockerfile)));
  });

  it('mounts only files and folders that exist in the repository', () => {
    let binds = 0;
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const [source, target] = volume.split(':');
        assert.ok(source && target?.startsWith('/'), `${name}: ${volume}`);
        if (source.startsWith('.') || isAbsolute(source)) {
          assert.ok(!isAbsolute(source), `${name}: ${source} is relative to the repository`);
          const path = resolve(DIR, source);
          assert.ok(path.startsWith(ROOT), `${name}: ${source} stays inside the repository`);
          assert.ok(existsSync(path), `${name}: ${source} exists`);
          assert.ok(volume.endsWith(':ro'), `${name}: ${source} is mounted read-only`);
          binds += 1;
        } else {
          assert.ok(
            compose.volumes && source in compose.volumes,
            `${name}: volume ${source} declared`,
          );
        }
      }
    }
    assert.ok(binds >= 7, `bind mounts checked: ${binds}`);
    for (const [name, secret] of Object.entries(compose.secrets ?? {})) {
      assert.ok(existsSync(resolve(DIR, secret.file)), `secret ${name}: ${secret.file} exists`);
    }
  });

  it('mounts the Grafana provisioning and gives it the variables it reads', () => {
    const grafana = compose.services.grafana!;
    const targets = new Map(
      (grafana.volumes ?? []).map((v) => [v.split(':')[1], resolve(DIR, v.split(':')[0]!)]),
    );
    const generated = join(ROOT, 'dashboards', 'generated');
    assert.equal(
      targets.get('/etc/grafana/provisioning/datasources'),
      join(generated, 'provisioning/datasources'),
    );
    assert.equal(
      targets.get('/etc/grafana/provisioning/dashboards'),
      join(generated, 'provisioning/dashboards'),
    );
    assert.equal(targets.get('/var/lib/grafana/dashboards/plimsoll'), generated);
    const datasources = readFileSync(
      join(generated, 'provisioning/datasources/plimsoll.yaml'),
      'utf8',
    );
    for (const variable of datasources.match(/\$[A-Z_]+/g) ?? []) {
      assert.ok(variable.slice(1) in grafana.environment!, `grafana sets ${variable}`);
    }
  });

  it('runs Plimsoll as a non-root user on a read-only root filesystem', () => {
    for (const [name, service] of services.filter(([, s]) => s.image?.startsWith('plimsoll:'))) {
      assert.equal(service.user, '1000:1000', name);
      assert.equal(service.read_only, true, name);
      assert.deepEqual(service.cap_drop, ['ALL'], name);
    }
  });

  it("has a Plimsoll configuration that Plimsoll's loader accepts, with its token file", () => {
    const api = compose.services['plimsoll-api']!;
    const file = resolve(
      DIR,
      api.volumes!.find((v) => v.endsWith(':/etc/plimsoll/plimsoll.yaml:ro'))!.split(':')[0]!,
    );
    assert.equal(api.environment!.PLIMSOLL_CONFIG, '/etc/plimsoll/plimsoll.yaml');
    const secret = api.secrets!.find((s) => s.source === 'api-tokens')!;
    const raw = parseYaml(readFileSync(file, 'utf8')) as { api: { tokensFile: string } };
    assert.equal(raw.api.tokensFile, secret.target, 'the config reads the mounted secret');
    const config = loadConfig({
      file,
      env: { PLIMSOLL_API_TOKENS_FILE: resolve(DIR, compose.secrets!['api-tokens']!.file) },
    });
    assert.deepEqual([config.runtime.bus, config.runtime.store], ['kafka', 'elasticsearch']);
    assert.deepEqual(config.kafka.brokers, ['kafka:9092']);
    assert.equal(config.elasticsearch.node, 'http://elasticsearch:9200');
    assert.equal(config.api.readTokens.length, 1);
    assert.equal(config.api.adminTokens.length, 1);
    // Prometheus scrapes with a read token: /metrics keeps the findings families behind one.
    assert.equal(config.api.metricsPublic, false);
    const scrapeToken = readFileSync(resolve(DIR, compose.secrets!['metrics-token']!.file), 'utf8');
    assert.equal(scrapeToken.trim(), config.api.readTokens[0], 'the scrape token reads');
    assert.deepEqual(
      compose.services.prometheus!.secrets!.map((s) => s.target),
      ['/run/secrets/metrics-token'],
    );
    assert.deepEqual(config.alerting.alertmanagerUrls, ['http://alertmanager:9093']);
    // The collector shares the simulator's network namespace and reads it on its port.
    const simulator = compose.services.simulator!.command!;
    const port = simulator[simulator.indexOf('--port') + 1];
    assert.equal(config.collectors.connection.server, `http://127.0.0.1:${port}`);
    assert.deepEqual(config.collectors.enabled, ['kubernetes', 'kubelet', 'logs']);
  });

  describe('Prometheus and Alertmanager files', () => {
    before(async () => {
      // promtool and amtool ship in Debian's packages, which the services script installs.
      if (!existsSync('/usr/bin/promtool') || !existsSync('/usr/bin/amtool')) {
        await requireServices('prometheus', 'alertmanager');
      }
    });

    it('pass promtool check config, with the rules file the compose file mounts', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'plimsoll-compose-'));
      try {
        const text = readFileSync(join(DIR, 'prometheus.yml'), 'utf8');
        const prometheus = parseYaml(text) as {
          rule_files: string[];
          scrape_configs: { static_configs: { targets: string[] }[] }[];
        };
        assert.deepEqual(prometheus.rule_files, ['/etc/prometheus/rules/*.yml']);
        // The container path, pointed at the repository file the compose file mounts there.
        const local = text
          .replace('/etc/prometheus/rules/*.yml', join(ROOT, 'alerts', 'plimsoll.rules.yml'))
          .replace(
            '/run/secrets/metrics-token',
            join(DIR, compose.secrets!['metrics-token']!.file),
          );
        writeFileSync(join(dir, 'prometheus.yml'), local);
        const { stdout, stderr } = await run('/usr/bin/promtool', [
          'check',
          'config',
          join(dir, 'prometheus.yml'),
        ]);
        assert.match(stdout + stderr, /SUCCESS: 1 rule files found/);
        assert.match(stdout + stderr, /SUCCESS: \d+ rules found/);
        const hosts = prometheus.scrape_configs
          .flatMap((s) => s.static_configs.flatMap((c) => c.targets))
          .map((t) => t.split(':')[0]!);
        for (const host of hosts.filter((h) => h !== 'localhost')) {
          assert.ok(host in compose.services, `scrape target ${host} is a compose service`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('pass amtool check-config', async () => {
      const { stdout } = await run('/usr/bin/amtool', [
        'check-config',
        join(DIR, 'alertmanager.yml'),
      ]);
      assert.match(stdout, /SUCCESS/);
    });
  });
});
