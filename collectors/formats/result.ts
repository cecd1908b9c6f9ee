// The one error contract every parser and mapper in collectors/formats follows: nothing throws on
// bad input. A single value comes back as a Result; a mapping that can degrade gracefully comes
// back with Issues alongside the value, so callers can count and DLQ-route them by `code` (a small,
// bounded set that is safe as a metric label) while `message` carries the detail for logs.

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: string): Result<T> {
  return { ok: false, error };
}

export type IssueCode =
  | 'malformed'
  | 'missing_field'
  | 'invalid_quantity'
  | 'invalid_time'
  | 'invalid_value'
  | 'unknown_enum'
  | 'truncated';

export interface Issue {
  readonly code: IssueCode;
  /** Where in the input: a JSON path such as `status.containerStatuses[0]`, or a series name. */
  readonly path: string;
  readonly message: string;
}

/** A mapping that produced a value, possibly degraded: each fallback taken is one issue. */
export type Mapped<T> =
  | { readonly ok: true; readonly value: T; readonly issues: readonly Issue[] }
  | { readonly ok: false; readonly error: string; readonly issues: readonly Issue[] };
