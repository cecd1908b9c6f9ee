// RFC 3339 timestamps as Kubernetes, the CRI runtime and the kubelet write them, parsed by hand:
// log collection parses one per line, and Date.parse drops the sub-millisecond digits that keep
// CRI log lines in order.

/** An instant split into epoch milliseconds and the remaining nanoseconds (0..999_999). */
export interface Instant {
  readonly ms: number;
  readonly nanos: number;
}

const ZERO = 48;

function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * `2018-02-13T16:05:48Z`, `2016-10-06T00:17:09.669794202Z`, `2024-02-27T19:30:39+01:00`.
 * Returns undefined for anything else, including out-of-range fields. Digits past the ninth
 * fractional one are ignored.
 */
export function parseRfc3339(text: string): Instant | undefined {
  if (text.length < 20) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const sep = text.charCodeAt(10);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    (sep !== 84 && sep !== 116 && sep !== 32)
  ) {
    return undefined;
  }
  let i = 19;
  let fractionNanos = 0;
  if (text.charCodeAt(i) === 46) {
    i++;
    let scale = 100_000_000;
    const start = i;
    for (; i < text.length; i++) {
      const d = text.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) break;
      fractionNanos += d * scale;
      scale = Math.floor(scale / 10);
    }
    if (i === start) return undefined;
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(i);
  if (zone === 90 || zone === 122) {
    i++;
  } else if (zone === 43 || zone === 45) {
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59 || text.charCodeAt(i + 3) !== 58) return undefined;
    offsetMinutes = (oh * 60 + om) * (zone === 43 ? 1 : -1);
    i += 6;
  } else {
    return undefined;
  }
  if (i !== text.length) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  // Date rolls 31 February over into March; a real timestamp never needs that.
  if (date.getUTCDate() !== day) return undefined;
  date.setUTCHours(hour, minute, second, 0);
  const ms = date.getTime() - offsetMinutes * 60_000 + Math.floor(fractionNanos / 1_000_000);
  return { ms, nanos: fractionNanos % 1_000_000 };
}

/**
 * An API timestamp field (string, or null/absent) as epoch milliseconds. Undefined for absent,
 * unparsable or pre-1970 values (the domain has no negative epochs), so callers can fall back.
 */
export function epochMsOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const instant = parseRfc3339(value);
  return instant !== undefined && instant.ms >= 0 ? instant.ms : undefined;
}
