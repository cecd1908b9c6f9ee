// Narrowing for JSON decoded from the Kubernetes API or the kubelet, which Plimsoll does not
// trust: every field may be missing, null or of another type than the OpenAPI schema says.

import { fail, ok, type Result } from './result.js';

export type JsonObject = Readonly<Record<string, unknown>>;

const EMPTY: JsonObject = Object.freeze({});

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object, or an empty one, so that chains of lookups need no checks. */
export function objectAt(value: unknown): JsonObject {
  return isObject(value) ? value : EMPTY;
}

export function arrayAt(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function stringAt(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A non-empty string. */
export function textAt(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function numberAt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** String values of a string map such as metadata.labels; other values are dropped. */
export function stringMapAt(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') out[key] = entry;
  }
  return out;
}

/** JSON text from a response body; a truncated or broken body is an error result, not a throw. */
export function parseJsonText(text: string): Result<unknown> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (error) {
    return fail(`malformed JSON: ${(error as Error).message}`);
  }
}
