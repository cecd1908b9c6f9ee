// The parsers in collectors/formats/ read what a cluster (or whoever controls a container's output)
// sends. Mutated captures must come back as results or counted errors, never as an exception that
// escapes; and input that grows eightfold must cost about eightfold, not sixty-four-fold — a
// quadratic loop or a backtracking regex is how a log line stalls a collector.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseContainerLogLine, tagLogMessage } from '../../collectors/formats/cri-log.js';
import { parseKernelOomLog } from '../../collectors/formats/kernel-oom.js';
import { parseJsonText } from '../../collectors/formats/json-read.js';
import { mapKubeletSummary } from '../../collectors/formats/kubelet-summary.js';
import { parsePrometheusText } from '../../collectors/formats/prometheus-text.js';
import { parseQuantity } from '../../collectors/formats/quantity.js';

const FIXTURES = join(import.meta.dirname, '..', 'collectors', 'formats', 'fixtures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** A small deterministic generator, so a failure names an input that can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const NASTY = ['{', '}', '"', '\\', '=', ',', ' ', '\n', '\t', '#', 'e', '-', '.', '\u0000', 'é'];

/** The text with a few dozen bytes replaced, inserted, dropped, or a slice repeated. */
function mutate(text: string, next: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(next() * 40);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * out.length);
    const pick = NASTY[Math.floor(next() * NASTY.length)]!;
    switch (Math.floor(next() * 4)) {
      case 0:
        out = out.slice(0, at) + pick + out.slice(at + 1);
        break;
      case 1:
        out = out.slice(0, at) + pick.repeat(1 + Math.floor(next() * 64)) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 200));
        break;
      default:
        out = out.slice(0, at) + out.slice(at, at + 300) + out.slice(at);
    }
  }
  return out;
}

interface Parser {
  readonly name: string;
  readonly sample: string;
  readonly parse: (input: string) => unknown;
}

const PARSERS: readonly Parser[] = [
  {
    name: 'Prometheus text (cAdvisor)',
    sample: fixture('cadvisor-prometheus_metrics.txt'),
    parse: (input) => parsePrometheusText(input),
  },
  {
    name: 'Prometheus text (kube-state-metrics)',
    sample: fixture('datadog-kube-state-metrics.txt'),
    parse: (input) => parsePrometheusText(input),
  },
  {
    name: 'kernel OOM log',
    sample: fixture('npd-kernel-oom_kill.log'),
    parse: (input) => parseKernelOomLog(input),
  },
  {
    name: 'kubelet stats summary',
    sample: fixture('otel-kubelet-stats-summary.json'),
    parse: (input) => {
      const json = parseJsonText(input);
      return json.ok ? mapKubeletSummary(json.value, { cluster: 'fuzz' }) : json;
    },
  },
  {
    name: 'container log lines (CRI and Docker JSON)',
    sample: [
      '2026-11-16T12:00:00.123456789Z stdout F java.lang.OutOfMemoryError: Java heap space',
      '2026-11-16T12:00:01.000000000Z stderr P partial line of a long message',
      '{"log":"fatal error: runtime: out of memory\\n","stream":"stderr","time":"2026-11-16T12:00:02Z"}',
    ].join('\n'),
    parse: (input) =>
      input.split('\n').map((line) => {
        const record = parseContainerLogLine(line);
        return record.ok ? tagLogMessage(record.value.message) : record;
      }),
  },
  {
    name: 'Kubernetes quantities',
    sample: '512Mi 1.5Gi 250m 2 1e3 0.5Ki 100M',
    parse: (input) => input.split(' ').map((quantity) => parseQuantity(quantity)),
  },
];

/** The fastest of a few runs: the least disturbed by the rest of the machine. */
function fastestMs(run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

describe('parser fuzz', () => {
  for (const parser of PARSERS) {
    it(`${parser.name}: mutated input gives a result, not an escaped exception`, () => {
      const next = random(0x5eed + parser.name.length);
      for (let round = 0; round < 300; round++) {
        const input = mutate(parser.sample, next);
        assert.doesNotThrow(() => parser.parse(input), `round ${round}`);
      }
    });

    it(`${parser.name}: eight times the input costs about eight times the time`, () => {
      // Growth within the input (a longer exposition, log, line or value) and within one
      // pathological line (an unterminated label value, a run of backslashes).
      const unit = parser.sample.length > 20_000 ? parser.sample.slice(0, 20_000) : parser.sample;
      const shapes: [string, (times: number) => string][] = [
        ['repeated', (times) => `${unit}\n`.repeat(times)],
        ['one long line', (times) => `x{a="${'\\"'.repeat(2_000 * times)}`],
        ['one long token', (times) => '9'.repeat(16_000 * times)],
      ];
      for (const [shape, input] of shapes) {
        const small = input(2);
        const large = input(16);
        parser.parse(small); // warms the JIT
        const ratio =
          fastestMs(() => parser.parse(large)) /
          Math.max(
            fastestMs(() => parser.parse(small)),
            0.05,
          );
        // Linear is about 8; quadratic about 64. The margin absorbs a noisy machine.
        assert.ok(ratio < 24, `${shape}: ${ratio.toFixed(1)}× the time for 8× the input`);
      }
    });
  }
});
