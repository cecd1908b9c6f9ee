// The Prometheus text exposition format 0.0.4, tolerant of what OpenMetrics 1.0 and Prometheus 3
// add (`# EOF`, `# UNIT`, `_total` sample names, exemplars, quoted UTF-8 names). A kube-state-metrics
// scrape of a large cluster is tens of megabytes, so the scanner walks character codes by hand with
// one pass per line: no regular expression, no split. A bad line becomes one ParseError with its
// line number and the scan moves on; nothing here throws on input.

export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
  /** Milliseconds since the epoch, when the exposition carried a timestamp. */
  readonly timestampMs?: number;
}

export interface ParseError {
  /** 1-based line number in the exposition. */
  readonly line: number;
  readonly message: string;
  /** The start of the offending line, capped, for logs and the DLQ. */
  readonly text: string;
}

export interface PrometheusParseOptions {
  /**
   * OpenMetrics timestamps are float seconds; 0.0.4 ones are integer milliseconds. Set from the
   * scrape's Content-Type (`application/openmetrics-text`). Default false.
   */
  readonly openMetrics?: boolean;
  /** Errors kept with their text; further ones are only counted. Default 1000. */
  readonly maxErrors?: number;
  /** Longer lines are reported and skipped, bounding the streaming buffer. Default 1 MiB. */
  readonly maxLineLength?: number;
}

export interface ParseSummary {
  readonly errors: ParseError[];
  /** Every bad line, including those past maxErrors. */
  readonly errorCount: number;
  /** `# TYPE` per family name as written: counter, gauge, histogram, summary, untyped, ... */
  readonly types: Map<string, string>;
  readonly help: Map<string, string>;
  readonly units: Map<string, string>;
  readonly lines: number;
  readonly sampleCount: number;
}

export interface ParseOutput extends ParseSummary {
  readonly samples: Sample[];
}

const KNOWN_TYPES = new Set([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'unknown',
  'info',
  'stateset',
  'gaugehistogram',
]);

// Suffixes OpenMetrics appends to a family name in its sample names.
const FAMILY_SUFFIXES = [
  '_total',
  '_created',
  '_bucket',
  '_count',
  '_sum',
  '_gcount',
  '_gsum',
  '_info',
];

const SPACE = 32;
const TAB = 9;
const CR = 13;
const HASH = 35;
const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const EQUALS = 61;

const DEFAULT_MAX_ERRORS = 1000;
const DEFAULT_MAX_LINE = 1 << 20;
const ERROR_TEXT_LIMIT = 160;

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** The `# TYPE` of a sample's family, trying OpenMetrics suffixes (`foo_total` → `foo`). */
export function typeOfSample(name: string, types: ReadonlyMap<string, string>): string | undefined {
  const direct = types.get(name);
  if (direct !== undefined) return direct;
  for (const suffix of FAMILY_SUFFIXES) {
    if (name.endsWith(suffix)) {
      const family = types.get(name.slice(0, -suffix.length));
      if (family !== undefined) return family;
    }
  }
  return undefined;
}

function parseNumber(token: string): number | undefined {
  if (token.length === 0) return undefined;
  const value = Number(token);
  if (!Number.isNaN(value)) return value;
  switch (token.toLowerCase()) {
    case 'nan':
    case '+nan':
    case '-nan':
      return NaN;
    case '+inf':
    case 'inf':
    case '+infinity':
    case 'infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return undefined;
  }
}

// Thrown only inside the line scanner and caught per line; it never leaves this module.
class LineError extends Error {}

/** Scanner state shared by the one-shot and streaming entry points. */
class Scanner {
  readonly errors: ParseError[] = [];
  errorCount = 0;
  readonly types = new Map<string, string>();
  readonly help = new Map<string, string>();
  readonly units = new Map<string, string>();
  lines = 0;
  sampleCount = 0;
  private eof = false;
  private afterEofReported = false;
  private readonly maxErrors: number;
  private readonly openMetrics: boolean;

  // Cursor over the current line; fields rather than locals so helpers can advance it.
  private s = '';
  private i = 0;
  private end = 0;

  constructor(
    private readonly sink: (sample: Sample) => void,
    options: PrometheusParseOptions,
  ) {
    this.maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
    this.openMetrics = options.openMetrics ?? false;
  }

  report(lineNo: number, message: string, text: string, start: number, end: number): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) {
      const cut = Math.min(end, start + ERROR_TEXT_LIMIT);
      this.errors.push({ line: lineNo, message, text: text.slice(start, cut) });
    }
  }

  summary(): ParseSummary {
    return {
      errors: this.errors,
      errorCount: this.errorCount,
      types: this.types,
      help: this.help,
      units: this.units,
      lines: this.lines,
      sampleCount: this.sampleCount,
    };
  }

  /** Scans text[start, end) as line number lineNo; end excludes the newline. */
  line(text: string, start: number, end: number, lineNo: number): void {
    this.lines = lineNo;
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    let i = start;
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (i === end) return;
    if (this.eof) {
      if (!this.afterEofReported) {
        this.afterEofReported = true;
        this.report(lineNo, 'content after # EOF ignored', text, start, end);
      }
      return;
    }
    this.s = text;
    this.i = i;
    this.end = end;
    try {
      if (text.charCodeAt(i) === HASH) this.comment();
      else this.sample();
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      this.report(lineNo, error.message, text, start, end);
    }
  }

  private skipBlanks(): void {
    while (this.i < this.end && isBlank(this.s.charCodeAt(this.i))) this.i++;
  }

  private word(): string {
    const from = this.i;
    while (this.i < this.end && !isBlank(this.s.charCodeAt(this.i))) this.i++;
    return this.s.slice(from, this.i);
  }

  private metricName(): string {
    const from = this.i;
    if (this.i >= this.end || !isNameStart(this.s.charCodeAt(this.i))) {
      throw new LineError('expected a metric name');
    }
    this.i++;
    while (this.i < this.end && isNameChar(this.s.charCodeAt(this.i))) this.i++;
    return this.s.slice(from, this.i);
  }

  private comment(): void {
    this.i++;
    this.skipBlanks();
    const keyword = this.word();
    if (keyword === 'EOF') {
      this.eof = true;
      return;
    }
    if (keyword !== 'TYPE' && keyword !== 'HELP' && keyword !== 'UNIT') return;
    this.skipBlanks();
    const name = this.s.charCodeAt(this.i) === QUOTE ? this.quoted() : this.metricName();
    const next = this.s.charCodeAt(this.i);
    if (this.i < this.end && !isBlank(next)) throw new LineError(`invalid name in # ${keyword}`);
    this.skipBlanks();
    const rest = this.s.slice(this.i, this.end);
    if (keyword === 'TYPE') {
      const type = rest.trimEnd();
      if (!KNOWN_TYPES.has(type))
        throw new LineError(`unknown metric type ${JSON.stringify(type)}`);
      this.types.set(name, type);
    } else if (keyword === 'UNIT') {
      this.units.set(name, rest.trimEnd());
    } else {
      this.help.set(name, rest.includes('\\') ? rest.replace(/\\([\\n])/g, helpUnescape) : rest);
    }
  }

  /** A double-quoted string at the cursor, escapes resolved; the cursor ends past the quote. */
  private quoted(): string {
    const s = this.s;
    let i = this.i + 1;
    const from = i;
    while (i < this.end) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        return s.slice(from, i);
      }
      if (c === BACKSLASH) break;
      i++;
    }
    // Slow path, only for values that contain escapes.
    let out = s.slice(from, i);
    while (i < this.end) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        return out;
      }
      if (c === BACKSLASH && i + 1 < this.end) {
        const n = s.charCodeAt(i + 1);
        if (n === 110) out += '\n';
        else if (n === BACKSLASH) out += '\\';
        else if (n === QUOTE) out += '"';
        // Unknown escapes stay verbatim, as Prometheus keeps them.
        else out += s.slice(i, i + 2);
        i += 2;
        continue;
      }
      out += s[i];
      i++;
    }
    throw new LineError('unterminated quoted string');
  }

  private labelName(): string {
    if (this.s.charCodeAt(this.i) === QUOTE) return this.quoted();
    const from = this.i;
    const first = this.s.charCodeAt(this.i);
    if (!(isNameStart(first) && first !== 58)) throw new LineError('expected a label name');
    this.i++;
    while (this.i < this.end) {
      const c = this.s.charCodeAt(this.i);
      if (!isNameChar(c) || c === 58) break;
      this.i++;
    }
    return this.s.slice(from, this.i);
  }

  private sample(): void {
    const s = this.s;
    let name = '';
    if (s.charCodeAt(this.i) !== LBRACE) {
      name = this.metricName();
      this.skipBlanks();
    }
    let labels: Record<string, string> = {};
    if (s.charCodeAt(this.i) === LBRACE) {
      this.i++;
      const parsed = this.labelSet(name === '');
      labels = parsed.labels;
      if (name === '') {
        if (parsed.quotedName === undefined) throw new LineError('expected a metric name');
        name = parsed.quotedName;
      }
    } else if (
      this.i < this.end &&
      !isBlank(s.charCodeAt(this.i)) &&
      this.i > 0 &&
      !isBlank(s.charCodeAt(this.i - 1))
    ) {
      throw new LineError(`invalid character ${JSON.stringify(s[this.i])} in metric name`);
    }
    this.skipBlanks();
    const valueToken = this.word();
    const value = parseNumber(valueToken);
    if (value === undefined) {
      throw new LineError(
        valueToken === '' ? 'missing sample value' : `invalid value ${JSON.stringify(valueToken)}`,
      );
    }
    this.skipBlanks();
    let timestampMs: number | undefined;
    if (this.i < this.end && s.charCodeAt(this.i) !== HASH) {
      const tsToken = this.word();
      const ts = Number(tsToken);
      if (!Number.isFinite(ts) || tsToken === '') {
        throw new LineError(`invalid timestamp ${JSON.stringify(tsToken)}`);
      }
      if (this.openMetrics) {
        timestampMs = Math.round(ts * 1000);
      } else if (!Number.isInteger(ts)) {
        throw new LineError(`timestamp ${JSON.stringify(tsToken)} is not integer milliseconds`);
      } else {
        timestampMs = ts;
      }
      this.skipBlanks();
    }
    // Anything after `#` is an exemplar, which carries nothing Plimsoll uses.
    if (this.i < this.end && s.charCodeAt(this.i) !== HASH) {
      throw new LineError('unexpected text after the sample');
    }
    this.sampleCount++;
    this.sink(
      timestampMs === undefined ? { name, labels, value } : { name, labels, value, timestampMs },
    );
  }

  private labelSet(allowQuotedName: boolean): {
    labels: Record<string, string>;
    quotedName?: string;
  } {
    const s = this.s;
    const labels: Record<string, string> = {};
    let quotedName: string | undefined;
    for (;;) {
      this.skipBlanks();
      if (this.i >= this.end) throw new LineError('unterminated label set');
      if (s.charCodeAt(this.i) === RBRACE) {
        this.i++;
        return { labels, quotedName };
      }
      const wasQuoted = s.charCodeAt(this.i) === QUOTE;
      const key = this.labelName();
      this.skipBlanks();
      const c = s.charCodeAt(this.i);
      if (
        wasQuoted &&
        allowQuotedName &&
        quotedName === undefined &&
        (c === COMMA || c === RBRACE)
      ) {
        quotedName = key;
      } else {
        if (c !== EQUALS) throw new LineError(`expected '=' after label ${JSON.stringify(key)}`);
        this.i++;
        this.skipBlanks();
        if (s.charCodeAt(this.i) !== QUOTE) {
          throw new LineError(`label ${JSON.stringify(key)} value is not quoted`);
        }
        const value = this.quoted();
        if (Object.hasOwn(labels, key))
          throw new LineError(`duplicate label ${JSON.stringify(key)}`);
        if (key === '__proto__') {
          Object.defineProperty(labels, key, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          labels[key] = value;
        }
      }
      this.skipBlanks();
      const sep = s.charCodeAt(this.i);
      if (sep === COMMA) this.i++;
      else if (sep !== RBRACE) throw new LineError("expected ',' or '}' in label set");
    }
  }
}

function helpUnescape(_match: string, escaped: string): string {
  return escaped === 'n' ? '\n' : '\\';
}

function scanText(scanner: Scanner, text: string, firstLine: number): number {
  let lineNo = firstLine;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      if (start < text.length) scanner.line(text, start, text.length, lineNo);
      return lineNo;
    }
    scanner.line(text, start, nl, lineNo);
    lineNo++;
    start = nl + 1;
  }
}

/** Parses a whole exposition held in memory. */
export function parsePrometheusText(
  text: string,
  options: PrometheusParseOptions = {},
): ParseOutput {
  const samples: Sample[] = [];
  const scanner = new Scanner((sample) => samples.push(sample), options);
  scanText(scanner, text, 1);
  return { ...scanner.summary(), samples };
}

/**
 * Incremental parsing for a response body read in chunks: samples go to the callback as soon as
 * their line is complete, and only one partial line is ever buffered (at most maxLineLength).
 */
export class PrometheusTextParser {
  private readonly scanner: Scanner;
  private readonly maxLineLength: number;
  private pending = '';
  private lineNo = 1;
  private discarding = false;

  constructor(onSample: (sample: Sample) => void, options: PrometheusParseOptions = {}) {
    this.scanner = new Scanner(onSample, options);
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE;
  }

  write(chunk: string): void {
    let from = 0;
    if (this.discarding) {
      const nl = chunk.indexOf('\n');
      if (nl === -1) return;
      this.discarding = false;
      this.lineNo++;
      from = nl + 1;
    }
    const text = this.pending === '' ? chunk.slice(from) : this.pending + chunk.slice(from);
    const lastNl = text.lastIndexOf('\n');
    if (lastNl === -1) {
      this.pending = text;
    } else {
      this.lineNo = scanText(this.scanner, text.slice(0, lastNl), this.lineNo) + 1;
      this.pending = text.slice(lastNl + 1);
    }
    if (this.pending.length > this.maxLineLength) {
      this.scanner.report(
        this.lineNo,
        `line longer than ${this.maxLineLength} characters skipped`,
        this.pending,
        0,
        this.pending.length,
      );
      this.pending = '';
      this.discarding = true;
    }
  }

  /** Flushes the last line (an exposition need not end with a newline) and returns the totals. */
  end(): ParseSummary {
    if (this.pending !== '' && !this.discarding) {
      scanText(this.scanner, this.pending, this.lineNo);
    }
    this.pending = '';
    return this.scanner.summary();
  }
}
