// The image's production install without Docker: the runtime stage of the Dockerfile replayed in
// a temporary directory — its own COPY list, `npm ci --omit=dev --ignore-scripts`, the compiled
// build — then the CLI started from there. A runtime import of a devDependency (tsx, typescript,
// kubernetes-models, playwright-core) fails here. Reaches the npm registry.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { KUSTOMIZE_DIR, ROOT } from './support.js';

const run = promisify(execFile);

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile → stages of instructions (continuations joined, comments dropped). */
function stages(text: string): Map<string, Instruction[]> {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim());
  const result = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      current = [];
      result.set(/ AS (\S+)$/i.exec(args)?.[1] ?? String(result.size), current);
    }
    current?.push({ op: op.toUpperCase(), args });
  }
  return result;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerStages = stages(dockerfile);
const build = dockerStages.get('build') ?? [];
const runtime = dockerStages.get('runtime') ?? [];
const DEV_ONLY = [
  'tsx',
  'typescript',
  'kubernetes-models',
  'playwright-core',
  'eslint',
  'prettier',
];

describe('Dockerfile', () => {
  it('pins the Node.js base image by exact version, the same for both stages', () => {
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    assert.match(arg ?? '', /^node:20\.\d+\.\d+-bookworm-slim$/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    assert.equal(pkg.engines.node, '>=20');
    assert.deepEqual(
      [...dockerStages.values()].map((s) => s[0]!.args),
      ['${NODE_IMAGE} AS build', '${NODE_IMAGE} AS runtime'],
    );
  });

  it('installs production dependencies only, without scripts, in the runtime stage', () => {
    const installs = runtime.filter((i) => i.op === 'RUN' && i.args.includes('npm ci'));
    assert.equal(installs.length, 1);
    assert.match(installs[0]!.args, /npm ci --omit=dev --ignore-scripts/);
    assert.ok(
      !runtime.some((i) => i.op === 'COPY' && /node_modules/.test(i.args)),
      'no node_modules copied',
    );
  });

  it('runs as a numeric non-root user with a healthcheck on /healthz', () => {
    const users = runtime.filter((i) => i.op === 'USER');
    assert.equal(users.at(-1)?.args, '1000:1000');
    const health = runtime.find((i) => i.op === 'HEALTHCHECK');
    assert.match(health?.args ?? '', /CMD \["node", "-e", .*fetch\(.*\/healthz/);
    assert.match(runtime.find((i) => i.op === 'ENTRYPOINT')?.args ?? '', /bin\/plimsoll\.js/);
  });

  it('keeps out of the build context what the image does not need', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.git', '.services', 'test']) {
      assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
    }
    for (const copy of [...build, ...runtime].filter(
      (i) => i.op === 'COPY' && !i.args.startsWith('--from'),
    )) {
      for (const source of copy.args.split(/\s+/).slice(0, -1)) {
        const top = source.split('/')[0]!;
        assert.ok(!ignored.includes(top), `${source} is copied but ignored by .dockerignore`);
      }
    }
  });
});

describe('production install (the runtime stage, without Docker)', () => {
  let dir = '';
  let app = '';
  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const { stdout } = await run(process.execPath, ['bin/plimsoll.js', ...args], {
      cwd: app,
      env: { PATH: process.env.PATH, HOME: dir, PLIMSOLL_LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    return stdout;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plimsoll-install-'));
    app = join(dir, 'app');
    mkdirSync(app);
    // The build stage: the compiler from the repository's dev dependencies, output to dist/.
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        join(dir, 'dist'),
      ],
      { cwd: ROOT, timeout: 180_000 },
    ).catch((error: { stdout?: string; message: string }) => {
      throw new Error(`tsc -p tsconfig.build.json failed:\n${error.stdout ?? error.message}`);
    });
    // The runtime stage, COPY by COPY.
    for (const copy of runtime.filter((i) => i.op === 'COPY')) {
      const parts = copy.args.split(/\s+/);
      const dest = parts.at(-1)!;
      if (parts[0] === '--from=build') {
        assert.deepEqual(parts.slice(1), ['/src/dist', './dist']);
        cpSync(join(dir, 'dist'), join(app, 'dist'), { recursive: true });
        continue;
      }
      for (const source of parts.slice(0, -1)) {
        const target = dest.endsWith('/') ? join(app, dest, basename(source)) : join(app, dest);
        cpSync(join(ROOT, source), target, { recursive: true });
      }
      if (copy.args.startsWith('package.json package-lock.json')) {
        await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
          cwd: app,
          timeout: 240_000,
        }).catch((error: { stderr?: string; message: string }) => {
          throw new Error(`npm ci --omit=dev failed:\n${error.stderr ?? error.message}`);
        });
      }
    }
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('compiles every folder the build stage copies, and copies every folder tsc compiles', () => {
    const copied = new Set(
      build.filter((i) => i.op === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1)),
    );
    const compiled = readdirSync(join(dir, 'dist'));
    for (const folder of compiled)
      assert.ok(copied.has(folder), `the build stage copies ${folder}/`);
    assert.ok(compiled.includes('cli') && existsSync(join(dir, 'dist/cli/main.js')));
  });

  it('has no development dependency installed', () => {
    for (const name of DEV_ONLY) {
      assert.ok(!existsSync(join(app, 'node_modules', name)), `${name} is not installed`);
    }
    assert.ok(existsSync(join(app, 'node_modules/fastify')), 'production dependencies are');
  });

  it('starts the CLI: serve, ingest and collect answer --help', async () => {
    assert.match(await cli(['serve', '--help']), /Usage: plimsoll serve/);
    assert.match(await cli(['ingest', '--help']), /Usage: plimsoll ingest/);
    assert.match(await cli(['collect', '--help']), /Usage: plimsoll collect/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(
      (await cli(['--version'])).trim(),
      pkg.version,
      'the version is read from package.json',
    );
  });

  it('checks the overlays’ configurations as a pod would', async () => {
    writeFileSync(join(dir, 'tokens'), 'read:0123456789abcdef0123\n');
    writeFileSync(join(dir, 'password'), 'elastic-password\n');
    writeFileSync(join(dir, 'kafka-password'), 'kafka-password\n');
    const secrets = {
      PLIMSOLL_API_TOKENS_FILE: join(dir, 'tokens'),
      PLIMSOLL_ELASTICSEARCH_PASSWORD_FILE: join(dir, 'password'),
    };
    const embedded = join(KUSTOMIZE_DIR, 'overlays/embedded/config/plimsoll.yaml');
    assert.equal(
      await cli(['config', 'check', '--config', embedded], secrets),
      'configuration is valid (bus: embedded, store: memory)\n',
    );
    const production = join(KUSTOMIZE_DIR, 'base/plimsoll.yaml');
    const kafkaSecret = { PLIMSOLL_KAFKA_SASL_PASSWORD_FILE: join(dir, 'kafka-password') };
    assert.equal(
      await cli(['config', 'check', '--config', production], { ...secrets, ...kafkaSecret }),
      'configuration is valid (bus: kafka, store: elasticsearch)\n',
    );
    // Without the mounted secrets the process stops at start and names the key.
    await assert.rejects(
      cli(['config', 'check', '--config', production], kafkaSecret),
      /config error at elasticsearch\.passwordFile .*cannot read file/,
    );
    await assert.rejects(
      cli(['config', 'check', '--config', production], secrets),
      /config error at kafka\.sasl\.passwordFile .*cannot read file/,
    );
    await assert.rejects(
      cli(['config', 'check', '--config', embedded]),
      /config error at api\.tokensFile .*cannot read file/,
    );
  });
});
