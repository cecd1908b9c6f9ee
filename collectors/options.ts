// What each collector of `plimsoll collect` is built with: its section of the `collectors` config,
// the command's flags over it (a flag given wins; an absent flag leaves the configured value), and
// the keys all collectors share. Each collector's entry in the registry says which flags are its
// own and how its section becomes its factory's config; nothing here names a collector.
import { join } from 'node:path';
import type { Static, TObject } from '@sinclair/typebox';
import { ConfigError, validateSection } from '../core/config/load.js';
import type { Collector, CollectorDeps, CollectorEntry, CollectorFlag } from './collector.js';
import type { KubeConnection } from './kubernetes/api.js';
import { COLLECTORS, type CollectorRegistry } from './registry.js';

/** The flags of `plimsoll collect`, as parsed; each one overrides its configuration key. */
export interface CollectFlags {
  /** --collectors → collectors.enabled */
  readonly collectors?: readonly string[] | undefined;
  /** --state-dir → collectors.stateDir */
  readonly stateDir?: string | undefined;
  /** --server → collectors.connection.server */
  readonly server?: string | undefined;
  /** --kubeconfig → collectors.connection.kubeconfig */
  readonly kubeconfig?: string | undefined;
  /** --in-cluster → collectors.connection.inCluster */
  readonly inCluster?: boolean | undefined;
  /** Each collector's own flags, by attribute name (`--kubelet-mode` → kubeletMode). */
  readonly [attribute: string]: unknown;
}

/** The `collectors` section as the configuration holds it. */
export interface CollectorsSection {
  readonly enabled: readonly string[];
  readonly stateDir?: string | undefined;
  readonly connection: KubeConnection;
  readonly [type: string]: unknown;
}

type ConfigOf<E> = E extends CollectorEntry<TObject, infer C> ? C : never;

export interface CollectorPlan<R extends CollectorRegistry = typeof COLLECTORS> {
  /** The collectors to run, in the order given. */
  readonly types: readonly (keyof R & string)[];
  /** The factory config of every registered collector, whether or not it runs. */
  readonly options: { readonly [K in keyof R]: ConfigOf<R[K]> };
}

/** The attribute a parsed flag is found under, as the command-line parser names it. */
export function flagAttribute(flag: CollectorFlag): string {
  return flag.name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** A collector's section with the flags given over it, defaults filled and checked. */
function flaggedSection<S extends TObject>(
  type: string,
  entry: CollectorEntry<S, unknown>,
  configured: unknown,
  flags: CollectFlags,
): Static<S> {
  const section: Record<string, unknown> = { ...(configured as object | undefined) };
  const flagOf = new Map<string, string>();
  for (const flag of entry.flags) {
    const value = flags[flagAttribute(flag)];
    if (value === undefined) continue;
    section[flag.key] = value;
    flagOf.set(`collectors.${type}.${flag.key}`, `--${flag.name}`);
  }
  return validateSection(
    entry.section,
    section,
    (key) => flagOf.get(key) ?? 'config',
    `collectors.${type}`,
  );
}

/**
 * The collectors to run and their options. `env` supplies `NODE_NAME`, the node a DaemonSet pod
 * learns from the downward API, to a collector whose section leaves its node unset.
 */
export function planCollectors<R extends CollectorRegistry = typeof COLLECTORS>(
  config: { readonly cluster: string; readonly collectors: CollectorsSection },
  flags: CollectFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  registry: R = COLLECTORS as unknown as R,
): CollectorPlan<R> {
  const section = config.collectors;
  const types = flags.collectors ?? section.enabled;
  const unknown = types.filter((type) => !Object.hasOwn(registry, type));
  if (unknown.length > 0) {
    throw new ConfigError(
      'collectors.enabled',
      `unknown collector ${unknown.map((t) => JSON.stringify(t)).join(', ')}; expected some of ${Object.keys(registry).join(', ')}`,
      flags.collectors ? '--collectors' : 'config',
    );
  }
  const stateDir = flags.stateDir ?? section.stateDir;
  const connection: KubeConnection = {
    server: flags.server ?? section.connection.server,
    kubeconfig: flags.kubeconfig ?? section.connection.kubeconfig,
    inCluster: flags.inCluster ?? section.connection.inCluster,
  };
  const options: Record<string, unknown> = {};
  for (const [type, entry] of Object.entries(registry)) {
    options[type] = entry.configure(flaggedSection(type, entry, section[type], flags), {
      connection,
      checkpointFile:
        stateDir === undefined ? undefined : join(stateDir, `${type}-${config.cluster}.json`),
      env,
    });
  }
  return { types: types, options: options as CollectorPlan<R>['options'] };
}

/**
 * Loads the factories of the planned collectors (and the client libraries they need); the function
 * it returns builds the collectors, in the planned order.
 */
export async function prepareCollectors<R extends CollectorRegistry = typeof COLLECTORS>(
  plan: CollectorPlan<R>,
  registry: R = COLLECTORS as unknown as R,
): Promise<(deps: CollectorDeps) => Collector[]> {
  const factories = await Promise.all(plan.types.map((type) => registry[type]!.load()));
  return (deps) =>
    plan.types.map((type, index) => factories[index]!.create(plan.options[type], deps));
}
