// `npm run bench`: starts the services, builds Plimsoll, runs each suite with its raw baselines
// and writes bench/results/<date>.json and .md (and prints the table).
// Usage: npm run bench -- [--suites ingest,collection,analysis,api,scan] [--repeats 3] [--quick]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  describeMachine,
  type BenchContext,
  type BenchSuite,
  type SuiteResult,
} from './harness.js';
import { renderMarkdown } from './markdown.js';
import { SUITES } from './suites/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function selectSuites(names: string | undefined): BenchSuite[] {
  if (!names) return SUITES;
  return names.split(',').map((name) => {
    const suite = SUITES.find((s) => s.name === name.trim());
    if (!suite) {
      throw new Error(
        `unknown suite "${name}"; expected some of ${SUITES.map((s) => s.name).join(', ')}`,
      );
    }
    return suite;
  });
}

function serviceVersions(): { kafka: string; elasticsearch: string } {
  const state = join(process.env.PLIMSOLL_SERVICES_DIR ?? join(root, '.services'), 'state');
  const read = (file: string) => {
    try {
      return readFileSync(join(state, file), 'utf8').trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    kafka: `Apache Kafka ${read('kafka/version')}`,
    elasticsearch: `Elasticsearch ${read('elasticsearch/version')}`,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      suites: { type: 'string' },
      repeats: { type: 'string', default: '3' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string', default: join(root, 'bench', 'results') },
    },
  });
  const repeats = Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new Error('--repeats must be a positive integer');
  const suites = selectSuites(values.suites);
  const progress = (message: string) =>
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

  const everyService = ['kafka', 'elasticsearch'] as const;
  const services = [...new Set(suites.flatMap((s) => s.services ?? everyService))];
  if (services.length > 0) {
    progress(`starting ${services.join(' and ')} (scripts/services.sh up)`);
    execFileSync('bash', [join(root, 'scripts', 'services.sh'), 'up', ...services], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  progress('building (npm run build)');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });

  const context: BenchContext = {
    repeats,
    quick: values.quick,
    services: {
      kafka: `127.0.0.1:${process.env.PLIMSOLL_KAFKA_PORT ?? '9092'}`,
      elasticsearch: `http://127.0.0.1:${process.env.PLIMSOLL_ES_PORT ?? '9200'}`,
    },
    runId: `bench${Date.now().toString(36)}`,
    progress,
  };
  const started = Date.now();
  const results: SuiteResult[] = [];
  for (const suite of suites) {
    progress(`suite ${suite.name}: ${suite.description}`);
    const suiteStarted = Date.now();
    results.push(await suite.run(context));
    progress(`suite ${suite.name} done in ${((Date.now() - suiteStarted) / 1000).toFixed(0)} s`);
  }
  const report = {
    date: new Date().toISOString(),
    machine: describeMachine(serviceVersions()),
    repeats,
    quick: values.quick,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    suites: results,
  };
  mkdirSync(values.out, { recursive: true });
  const stem = join(values.out, `${report.date.slice(0, 10)}${values.quick ? '-quick' : ''}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(report);
  writeFileSync(`${stem}.md`, markdown);
  process.stdout.write(markdown);
  progress(`wrote ${stem}.json and ${stem}.md`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
