// Kubernetes resource quantities ("250m", "1.5Gi", "129e6", "1E") to plain numbers, following the
// grammar of k8s.io/apimachinery/pkg/api/resource. Decimal scaling goes through Number("<n>e<k>")
// so that "100m" is exactly 0.1 rather than 100 * 0.001; binary scaling multiplies by a power of
// two, which is exact. Values beyond 2^53 (e.g. "1Ei") lose integer precision, as any JS number.
import { fail, ok, type Result } from './result.js';

const BINARY_POWERS: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};

const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

// <sign?><digits>[.<digits>] | .<digits>, then the suffix; "1E" is exa while "1E3" is an exponent.
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE])([+-]?\d+)|([KMGTPE]i|[numkMGTPE])?)$/;

/** The value of a quantity in its base unit (cores, bytes, or a plain count). */
export function parseQuantity(input: string): Result<number> {
  const text = input.trim();
  const match = QUANTITY.exec(text);
  if (!match) return fail(`invalid quantity ${JSON.stringify(input.slice(0, 64))}`);
  const [, number = '', exponentMark, exponent, suffix = ''] = match;
  let value: number;
  if (exponentMark !== undefined) {
    value = Number(`${number}e${exponent ?? '0'}`);
  } else {
    const binary = BINARY_POWERS[suffix];
    value =
      binary !== undefined
        ? Number(number) * 2 ** binary
        : Number(`${number}e${DECIMAL_EXPONENTS[suffix] ?? 0}`);
  }
  if (!Number.isFinite(value)) return fail(`quantity out of range ${JSON.stringify(input)}`);
  return ok(value);
}

function nonNegative(input: unknown, what: string): Result<number> {
  let value: number;
  if (typeof input === 'number') {
    value = input;
  } else if (typeof input === 'string') {
    const parsed = parseQuantity(input);
    if (!parsed.ok) return parsed;
    value = parsed.value;
  } else {
    return fail(`${what} quantity is ${input === null ? 'null' : typeof input}, not a string`);
  }
  if (!Number.isFinite(value) || value < 0) return fail(`negative or non-finite ${what}: ${value}`);
  return ok(value);
}

/** CPU in cores: "250m" → 0.25, "2" → 2, "100n" → 1e-7. Numbers are taken as cores. */
export function parseCpuCores(input: unknown): Result<number> {
  return nonNegative(input, 'cpu');
}

/**
 * Memory in whole bytes: "512Mi", "1G", "129e6". Fractional bytes ("1500m") round up, as
 * Kubernetes does when it converts a quantity to an integer.
 */
export function parseMemoryBytes(input: unknown): Result<number> {
  const parsed = nonNegative(input, 'memory');
  return parsed.ok ? ok(Math.ceil(parsed.value)) : parsed;
}
