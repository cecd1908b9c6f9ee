// The deployment folders keep copies of generated files, because kustomize and Helm read only
// files under their own root: the Grafana dashboards and provisioning (dashboards/generated/) and
// the alert rules (alerts/plimsoll.rules.yml). This module names every copy, tells how a copy
// drifted from its source (test/deploy/*.test.ts fail on it), and refreshes them all:
//
//   npm run deploy:sync
//
// Copies are prettier-formatted (the repository's format check covers them; the generated
// originals are exempt), so they are compared parsed, not byte for byte.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The one command that refreshes every copy; drift messages name it. */
export const SYNC_COMMAND = 'npm run deploy:sync';

/** Paths relative to the repository root. */
export interface CopiedFile {
  readonly source: string;
  readonly target: string;
}

export interface CopyTree {
  readonly name: string;
  /** The folder holding only copies: a file in it that no source maps to is stale. */
  readonly root: string;
  /** The copies, listed from the sources as they are now (a new dashboard is a new copy). */
  readonly files: () => CopiedFile[];
}

const GENERATED = 'dashboards/generated';

/** Files under a folder, as paths relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(join(dir, entry.name)).map((f) => `${entry.name}/${f}`)
      : [entry.name],
  );
}

const dashboardFiles = () => listFiles(GENERATED).filter((f) => f.endsWith('.json'));

export const KUSTOMIZE_GRAFANA: CopyTree = {
  name: 'deploy/kubernetes/components/grafana-provisioning',
  root: 'deploy/kubernetes/components/grafana-provisioning/files',
  // x.json → files/dashboards/x.json; provisioning/... keeps its path.
  files: () =>
    listFiles(GENERATED).map((f) => ({
      source: `${GENERATED}/${f}`,
      target: `${KUSTOMIZE_GRAFANA.root}/${f.includes('/') ? f : `dashboards/${f}`}`,
    })),
};

export const HELM_CHART: CopyTree = {
  name: 'deploy/helm/plimsoll',
  root: 'deploy/helm/plimsoll/files',
  files: () => [
    { source: 'alerts/plimsoll.rules.yml', target: `${HELM_CHART.root}/alerts/plimsoll.rules.yml` },
    {
      source: `${GENERATED}/provisioning/datasources/plimsoll.yaml`,
      target: `${HELM_CHART.root}/datasources/plimsoll.yaml`,
    },
    ...dashboardFiles().map((f) => ({
      source: `${GENERATED}/${f}`,
      target: `${HELM_CHART.root}/dashboards/${f}`,
    })),
  ],
};

export const COPY_TREES: readonly CopyTree[] = [KUSTOMIZE_GRAFANA, HELM_CHART];

/** A JSON or YAML file's content, parsed. */
export function parseFile(path: string): unknown {
  const text = readFileSync(join(ROOT, path), 'utf8');
  return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}

/** What differs between a tree's copies and their sources; empty when they agree. */
export function drift(tree: CopyTree): string[] {
  const files = tree.files();
  const expected = new Set(files.map((f) => f.target));
  const present = listFiles(tree.root).map((f) => `${tree.root}/${f}`);
  const problems = [
    ...present.filter((f) => !expected.has(f)).map((f) => `${f} has no source (stale copy)`),
    ...[...expected].filter((f) => !present.includes(f)).map((f) => `${f} is missing`),
  ];
  for (const { source, target } of files.filter((f) => present.includes(f.target))) {
    if (!isDeepStrictEqual(parseFile(target), parseFile(source))) {
      problems.push(`${target} drifted from ${source}`);
    }
  }
  return problems;
}

/** A failure message: what drifted and the command that refreshes it. */
export function driftMessage(tree: CopyTree, problems: readonly string[]): string {
  return `${tree.name}: its copies differ from their sources; refresh them with \`${SYNC_COMMAND}\`\n  ${problems.join('\n  ')}`;
}

/** Rewrites a tree's copies from their sources, formatted, and removes stale ones. */
export async function sync(tree: CopyTree): Promise<void> {
  const prettier = await import('prettier');
  rmSync(join(ROOT, tree.root), { recursive: true, force: true });
  for (const { source, target } of tree.files()) {
    const path = join(ROOT, target);
    const options = (await prettier.resolveConfig(path)) ?? {};
    const text = await prettier.format(readFileSync(join(ROOT, source), 'utf8'), {
      ...options,
      filepath: path,
    });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

async function main(): Promise<void> {
  for (const tree of COPY_TREES) {
    await sync(tree);
    const problems = drift(tree);
    if (problems.length > 0) throw new Error(driftMessage(tree, problems));
    console.log(`${tree.name}: ${tree.files().length} copies refreshed under ${tree.root}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
