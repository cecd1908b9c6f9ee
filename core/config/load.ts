// Loads the configuration: YAML file, then environment overrides, then defaults, then validation.
// Every error names the offending key and the expected form; only the CLI's main exits on them.
import { isSecretKey, redactUrls } from '../redact.js';
import { readFileSync } from 'node:fs';
import { Kind, type Static, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { isCurrencyCode } from '../money.js';
import { ConfigSchema, type Config } from './schema.js';

export interface ConfigProblem {
  readonly key: string;
  readonly problem: string;
  /** Where the value came from: the file, the variable (`PLIMSOLL_…`), `command line` or `defaults`. */
  readonly origin: string;
}

export class ConfigError extends Error {
  /** Every problem found, the first one being `key`/`problem`/`origin`. */
  readonly problems: readonly ConfigProblem[];

  constructor(
    readonly key: string,
    readonly problem: string,
    readonly origin: string,
    more: readonly ConfigProblem[] = [],
  ) {
    const all = [{ key, problem, origin }, ...more];
    const line = (p: ConfigProblem) => `${p.key || '(root)'} (${p.origin}): ${p.problem}`;
    super(
      all.length === 1
        ? `config error at ${line(all[0]!)}`
        : `${all.length} config errors:\n${all.map((p) => `  ${line(p)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = all;
  }

  static of(problems: readonly ConfigProblem[]): ConfigError {
    const [first, ...more] = problems;
    return new ConfigError(first!.key, first!.problem, first!.origin, more);
  }
}

/** Where a key's value came from; a key not set anywhere is a default. */
export type OriginOf = (key: string) => string;

export const ENV_PREFIX = 'PLIMSOLL_';

interface Leaf {
  path: string[];
  schema: TSchema;
}

function leaves(schema: TSchema, path: string[] = []): Leaf[] {
  if (schema[Kind] === 'Object' && schema.properties) {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, child]) =>
      leaves(child, [...path, key]),
    );
  }
  return [{ path, schema }];
}

const snake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** `api.readTokens` → `PLIMSOLL_API_READ_TOKENS`. */
export const envNameOf = (path: readonly string[]) => ENV_PREFIX + path.map(snake).join('_');

/** Every override the schema accepts, for docs and `--help`. */
export function environmentOverrides(): { env: string; key: string; description: string }[] {
  return leaves(ConfigSchema).map(({ path, schema }) => ({
    env: envNameOf(path),
    key: path.join('.'),
    description: String(schema.description ?? ''),
  }));
}

function coerce(raw: string, schema: TSchema, key: string, env: string): unknown {
  const kind = schema[Kind];
  if (kind === 'Integer' || kind === 'Number') {
    const value = Number(raw);
    if (raw.trim() === '' || Number.isNaN(value)) {
      throw new ConfigError(key, `expected a number, got ${JSON.stringify(raw)}`, env);
    }
    return value;
  }
  if (kind === 'Boolean') {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    throw new ConfigError(key, `expected true or false, got ${JSON.stringify(raw)}`, env);
  }
  // A setting that is a switch or a value (api.trustProxy: true, or the proxies' addresses).
  if (
    kind === 'Union' &&
    (schema.anyOf as TSchema[]).some((member) => member[Kind] === 'Boolean')
  ) {
    if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
    return raw;
  }
  if (kind === 'Array') {
    return raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function applyEnvironment(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  origins: Map<string, string>,
  problems: ConfigProblem[],
): void {
  for (const { path, schema } of leaves(ConfigSchema)) {
    const name = envNameOf(path);
    const value = env[name];
    if (value === undefined) continue;
    const key = path.join('.');
    origins.set(key, name);
    try {
      setPath(raw, path, coerce(value, schema, key, name));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
}

/** Dotted keys of every value set in a parsed file. */
function keysIn(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keysIn(v, prefix ? `${prefix}.${k}` : k));
}

const keyOf = (error: ValueError) => error.path.replace(/^\//, '').replaceAll('/', '.');

function describe(error: ValueError, key: string): string {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return 'unknown key';
  const options = error.schema.anyOf as TSchema[] | undefined;
  const expectation = options
    ? `expected one of ${options.map((option) => (option.const === undefined ? String(option.type) : JSON.stringify(option.const))).join(' | ')}`
    : error.message.charAt(0).toLowerCase() + error.message.slice(1);
  // A secret's value is never echoed; a URL is echoed without its user-info.
  const got = isSecretKey(key)
    ? '[redacted]'
    : typeof error.value === 'string'
      ? JSON.stringify(redactUrls(error.value))
      : JSON.stringify(error.value);
  return `${expectation}, got ${got}`;
}

function parentKeys(root: TSchema, path: string): string[] {
  const parts = path.split('/').filter(Boolean).slice(0, -1);
  let schema: TSchema = root;
  for (const part of parts) {
    const next = (schema.properties as Record<string, TSchema> | undefined)?.[part];
    if (!next) return [];
    schema = next;
  }
  return Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
}

/**
 * Validates an already-merged raw object; throws one ConfigError naming every bad key (and where
 * each value came from, when `origin` can tell).
 */
export function validateConfig(raw: unknown, origin: string | OriginOf = 'config'): Config {
  const originOf: OriginOf = typeof origin === 'string' ? () => origin : origin;
  const config = validateSchema(raw, originOf);
  checkKafkaSecurity(config.kafka, originOf);
  if (!isCurrencyCode(config.report.prices.currency)) {
    throw new ConfigError(
      'report.prices.currency',
      `${JSON.stringify(config.report.prices.currency)} is not an ISO 4217 currency code (e.g. USD, EUR, CNY)`,
      originOf('report.prices.currency'),
    );
  }
  return config;
}

function validateSchema(raw: unknown, originOf: OriginOf): Config {
  return validateSection(ConfigSchema, raw, originOf);
}

/**
 * Fills the defaults of one schema (the whole configuration, or a section of it whose keys start
 * with `prefix`) over a raw value and checks it; throws one ConfigError naming every bad key.
 */
export function validateSection<S extends TSchema>(
  schema: S,
  raw: unknown,
  originOf: OriginOf,
  prefix = '',
): Static<S> {
  const withDefaults = Value.Default(schema, Value.Clone(raw ?? {}));
  const problems = new Map<string, ConfigProblem>();
  for (const error of Value.Errors(schema, withDefaults)) {
    const key = [prefix, keyOf(error)].filter(Boolean).join('.');
    // A union reports each of its branches: the first error of a key says it.
    if (problems.has(key)) continue;
    let problem = describe(error, key);
    if (problem === 'unknown key') {
      problem = `unknown key; expected one of: ${parentKeys(schema, error.path).join(', ')}`;
    }
    problems.set(key, { key, problem, origin: originOf(key) });
  }
  if (problems.size > 0) throw ConfigError.of([...problems.values()]);
  return withDefaults;
}

/** What the schema cannot say about kafka.ssl and kafka.sasl: which keys go together. */
function checkKafkaSecurity(kafka: Config['kafka'], originOf: OriginOf): void {
  const fail = (key: string, problem: string): never => {
    throw new ConfigError(key, problem, originOf(key));
  };
  const { ssl, sasl } = kafka;
  if (!ssl.enabled) {
    for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
      if (ssl[key] !== undefined) {
        fail(
          `kafka.ssl.${key}`,
          'set while kafka.ssl.enabled is false; enable TLS or remove the key',
        );
      }
    }
  }
  if ((ssl.certFile === undefined) !== (ssl.keyFile === undefined)) {
    const missing = ssl.certFile === undefined ? 'certFile' : 'keyFile';
    const other = missing === 'certFile' ? 'keyFile' : 'certFile';
    fail(
      `kafka.ssl.${missing}`,
      `required with kafka.ssl.${other} (a client certificate needs its key)`,
    );
  }
  if (sasl.mechanism === 'none') {
    for (const key of ['username', 'password', 'passwordFile'] as const) {
      if (sasl[key] !== undefined) {
        fail(
          `kafka.sasl.${key}`,
          'set while kafka.sasl.mechanism is none; name the mechanism (plain, scram-sha-256, scram-sha-512) or remove the key',
        );
      }
    }
    return;
  }
  if (sasl.username === undefined) {
    fail('kafka.sasl.username', `required with kafka.sasl.mechanism ${sasl.mechanism}`);
  }
  if (sasl.password === undefined && sasl.passwordFile === undefined) {
    fail(
      'kafka.sasl.passwordFile',
      `required with kafka.sasl.mechanism ${sasl.mechanism} (or kafka.sasl.password, or PLIMSOLL_KAFKA_SASL_PASSWORD)`,
    );
  }
}

function readSecretFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(key, `cannot read file ${path}: ${(error as Error).message}`, path);
  }
}

function resolveSecrets(config: Config): Config {
  const elasticsearch = { ...config.elasticsearch };
  if (elasticsearch.passwordFile) {
    elasticsearch.password = readSecretFile(
      elasticsearch.passwordFile,
      'elasticsearch.passwordFile',
    );
  }
  const kafka = { ...config.kafka, sasl: { ...config.kafka.sasl } };
  if (kafka.sasl.passwordFile) {
    kafka.sasl.password = readSecretFile(kafka.sasl.passwordFile, 'kafka.sasl.passwordFile');
  }
  const api = { ...config.api, readTokens: [...config.api.readTokens] };
  api.adminTokens = [...config.api.adminTokens];
  if (api.tokensFile) {
    const lines = readSecretFile(api.tokensFile, 'api.tokensFile').split(/\r?\n/);
    lines.forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const match = /^(read|admin):(\S{16,})$/.exec(trimmed);
      if (!match) {
        throw new ConfigError(
          'api.tokensFile',
          `line ${index + 1}: expected "read:<token>" or "admin:<token>" with a token of 16+ characters`,
          api.tokensFile!,
        );
      }
      (match[1] === 'read' ? api.readTokens : api.adminTokens).push(match[2]!);
    });
  }
  return { ...config, kafka, elasticsearch, api };
}

export interface LoadOptions {
  /** Path of a YAML file; PLIMSOLL_CONFIG names one when absent. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values the command line sets, applied last. */
  overrides?: Record<string, unknown>;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.PLIMSOLL_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError('', `cannot read config file: ${(error as Error).message}`, file);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (error) {
      throw new ConfigError('', `not valid YAML: ${(error as Error).message}`, file);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ConfigError('', 'expected a mapping of keys at the top level', file);
      }
      raw = parsed as Record<string, unknown>;
    }
  }
  // Every value remembers where it came from, so each error names the file, the environment
  // variable or the command line that set it; all errors are reported at once.
  const origins = new Map<string, string>();
  if (file) for (const key of keysIn(raw)) origins.set(key, file);
  const problems: ConfigProblem[] = [];
  applyEnvironment(raw, env, origins, problems);
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    setPath(raw, key.split('.'), value);
    origins.set(key, 'command line');
  }
  const originOf: OriginOf = (key) => {
    // The key itself, or the nearest enclosing key set somewhere (a map's entry, say).
    for (let k = key; k; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
      const found = origins.get(k);
      if (found) return found;
    }
    // A key nobody set that is wrong (a missing required one) is the file's to add.
    return key ? (file ?? 'defaults') : file ? `${file} + environment` : 'environment';
  };
  let config: Config;
  try {
    config = validateConfig(raw, originOf);
  } catch (error) {
    if (problems.length > 0 && error instanceof ConfigError) {
      throw ConfigError.of([...problems, ...error.problems]);
    }
    throw error;
  }
  if (problems.length > 0) throw ConfigError.of(problems);
  return resolveSecrets(config);
}
