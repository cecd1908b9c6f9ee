import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogTag } from '../../../core/domain.js';
import {
  DEFAULT_MAX_LOG_LINE,
  parseContainerLogLine,
  parseCriLine,
  parseDockerJsonLine,
  PartialLineJoiner,
  tagLogMessage,
  type ContainerLogRecord,
} from '../../../collectors/formats/cri-log.js';

const T0 = Date.UTC(2016, 9, 6, 0, 17, 9, 669);

function record(
  message: string,
  partial: boolean,
  stream: 'stdout' | 'stderr' = 'stdout',
  ms = T0,
) {
  return { timestampMs: ms, nanos: 0, stream, partial, message, format: 'cri' } as const;
}

describe('parseCriLine', () => {
  const cases: [string, Partial<ContainerLogRecord>][] = [
    [
      '2016-10-06T00:17:09.669794202Z stdout F log content 1',
      {
        timestampMs: T0,
        nanos: 794_202,
        stream: 'stdout',
        partial: false,
        message: 'log content 1',
      },
    ],
    [
      '2016-10-06T00:17:09.669794203Z stderr P log content 2',
      { nanos: 794_203, stream: 'stderr', partial: true, message: 'log content 2' },
    ],
    ['2016-10-06T00:17:09.669794202Z stdout F:extra:tags  two spaces', { message: ' two spaces' }],
    ['2016-10-06T00:17:09.669794202Z stdout F ', { message: '' }],
    ['2016-10-06T00:17:09.669794202Z stdout F', { message: '' }],
    ['2016-10-06T00:17:09.669794202Z stdout F with newline\n', { message: 'with newline' }],
    ['2016-10-06T02:17:09.669794202+02:00 stdout F tz', { timestampMs: T0, message: 'tz' }],
  ];
  for (const [line, expected] of cases) {
    it(JSON.stringify(line), () => {
      const parsed = parseCriLine(line);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
      for (const [key, value] of Object.entries(expected)) {
        assert.equal(parsed.value[key as keyof ContainerLogRecord], value, key);
      }
      assert.equal(parsed.value.format, 'cri');
    });
  }

  const invalid: [string, RegExp][] = [
    ['garbage', /not a CRI log line/],
    ['yesterday stdout F hello', /invalid CRI timestamp/],
    ['2016-10-06T00:17:09Z stdin F hello', /invalid CRI stream/],
    ['2016-10-06T00:17:09Z stdout', /invalid CRI stream/],
    ['2016-10-06T00:17:09Z stdout X hello', /invalid CRI tag/],
    ['', /not a CRI log line/],
  ];
  for (const [line, pattern] of invalid) {
    it(`rejects ${JSON.stringify(line)}`, () => {
      const parsed = parseCriLine(line);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.error, pattern);
    });
  }
});

describe('Docker json-file fallback', () => {
  it('reads a full line and drops its newline', () => {
    const parsed = parseDockerJsonLine(
      '{"log":"Starting server on :8080\\n","stream":"stderr","time":"2018-02-13T16:10:45.123456789Z"}',
    );
    assert.deepEqual(parsed, {
      ok: true,
      value: {
        timestampMs: Date.UTC(2018, 1, 13, 16, 10, 45, 123),
        nanos: 456_789,
        stream: 'stderr',
        partial: false,
        message: 'Starting server on :8080',
        format: 'docker',
      },
    });
  });

  it('marks a 16 KiB piece without newline as partial', () => {
    const parsed = parseDockerJsonLine(
      '{"log":"abc","stream":"stdout","time":"2018-02-13T16:10:45Z"}',
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.value.partial, true);
    assert.equal(parsed.value.message, 'abc');
  });

  const invalid: [string, RegExp][] = [
    ['{"log":"trunc', /malformed Docker JSON/],
    ['[1,2]', /no "log" string/],
    ['{"log":"x\\n","stream":"stdin","time":"2018-02-13T16:10:45Z"}', /invalid Docker stream/],
    ['{"log":"x\\n","stream":"stdout","time":"later"}', /invalid Docker time/],
  ];
  for (const [line, pattern] of invalid) {
    it(`rejects ${line}`, () => {
      const parsed = parseDockerJsonLine(line);
      assert.match(parsed.ok ? '' : parsed.error, pattern);
    });
  }

  it('parseContainerLogLine picks the format by the line', () => {
    const docker = parseContainerLogLine(
      '{"log":"hi\\n","stream":"stdout","time":"2018-02-13T16:10:45Z"}',
    );
    const cri = parseContainerLogLine('2018-02-13T16:10:45Z stdout F {"json":"app log"}');
    assert.ok(docker.ok && cri.ok);
    assert.equal(docker.value.format, 'docker');
    assert.equal(cri.value.format, 'cri');
    assert.equal(cri.value.message, '{"json":"app log"}');
  });
});

describe('PartialLineJoiner', () => {
  it('joins P/P/F into one line stamped with the first record', () => {
    const joiner = new PartialLineJoiner();
    assert.equal(joiner.push(record('Exception in thread "main" ', true, 'stdout', T0)), undefined);
    assert.equal(
      joiner.push(record('java.lang.OutOfMemoryError: ', true, 'stdout', T0 + 1)),
      undefined,
    );
    const line = joiner.push(record('Java heap space', false, 'stdout', T0 + 2));
    assert.deepEqual(line, {
      timestampMs: T0,
      nanos: 0,
      stream: 'stdout',
      message: 'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
      truncated: false,
      droppedChars: 0,
      fragments: 3,
      incomplete: false,
    });
    assert.equal(joiner.bufferedLength, 0);
  });

  it('keeps stdout and stderr partials apart', () => {
    const joiner = new PartialLineJoiner();
    joiner.push(record('out-1 ', true, 'stdout'));
    joiner.push(record('err-1 ', true, 'stderr'));
    const err = joiner.push(record('err-2', false, 'stderr'));
    const out = joiner.push(record('out-2', false, 'stdout'));
    assert.equal(err?.message, 'err-1 err-2');
    assert.equal(out?.message, 'out-1 out-2');
  });

  it('passes full lines straight through', () => {
    const line = new PartialLineJoiner().push(record('single', false));
    assert.equal(line?.message, 'single');
    assert.equal(line?.fragments, 1);
  });

  it('bounds a 10 MB line sent as 16 KiB partials and flags it truncated', () => {
    const joiner = new PartialLineJoiner();
    const piece = 'x'.repeat(16 * 1024);
    const pieces = 640; // 10 MiB
    let maxBuffered = 0;
    for (let i = 0; i < pieces; i++) {
      assert.equal(joiner.push(record(piece, true)), undefined);
      maxBuffered = Math.max(maxBuffered, joiner.bufferedLength);
    }
    const line = joiner.push(record('END', false));
    assert.ok(line);
    assert.equal(line.message.length, DEFAULT_MAX_LOG_LINE);
    assert.equal(line.truncated, true);
    assert.equal(line.droppedChars, pieces * piece.length + 3 - DEFAULT_MAX_LOG_LINE);
    assert.equal(line.fragments, pieces + 1);
    assert.ok(maxBuffered <= DEFAULT_MAX_LOG_LINE, `buffered ${maxBuffered}`);
  });

  it('bounds a single 10 MB CRI record', () => {
    const raw = `2016-10-06T00:17:09.669794202Z stdout F ${'y'.repeat(10 * 1024 * 1024)}`;
    const parsed = parseCriLine(raw);
    assert.ok(parsed.ok);
    const line = new PartialLineJoiner({ maxLineLength: 1000 }).push(parsed.value);
    assert.equal(line?.message, 'y'.repeat(1000));
    assert.equal(line?.truncated, true);
    assert.equal(line?.droppedChars, 10 * 1024 * 1024 - 1000);
  });

  it('never cuts a surrogate pair in half', () => {
    const line = new PartialLineJoiner({ maxLineLength: 5 }).push(record('abcd😀tail', false));
    assert.equal(line?.message, 'abcd');
    assert.equal(line?.truncated, true);
  });

  it('flushes lines whose F never came, marked incomplete', () => {
    const joiner = new PartialLineJoiner();
    joiner.push(record('dying ', true, 'stderr'));
    joiner.push(record('mid-line', true, 'stderr'));
    const flushed = joiner.flush();
    assert.deepEqual(
      flushed.map((l) => [l.stream, l.message, l.incomplete]),
      [['stderr', 'dying mid-line', true]],
    );
    assert.deepEqual(joiner.flush(), []);
  });
});

describe('tagLogMessage', () => {
  const cases: [string, LogTag[]][] = [
    ['Exception in thread "main" java.lang.OutOfMemoryError: Java heap space', ['oom_java']],
    ['Memory cgroup out of memory: Killed process 1234 (java) total-vm:100kB', ['oom_kernel']],
    ['Out of memory: Killed process 99 (node)', ['oom_kernel']],
    ['oom-kill:constraint=CONSTRAINT_MEMCG,task=java,pid=1234,uid=0', ['oom_kernel']],
    ['command terminated: signal: killed', ['signal_kill']],
    ['process exited after signal 9', ['signal_kill']],
    ['received SIGKILL', ['signal_kill']],
    ['panic: runtime error: invalid memory address or nil pointer dereference', ['panic']],
    ['goroutine 1 [running]:\npanic: boom', ['panic']],
    ['FATAL: could not allocate', ['fatal']],
    ['level=fatal msg="cannot start"', ['fatal']],
    ['fatal error: runtime: out of memory', ['fatal']],
    [
      'FATAL java.lang.OutOfMemoryError: Metaspace, then signal: killed',
      ['oom_java', 'signal_kill', 'fatal'],
    ],
    ['GET /healthz 200 12ms', []],
    ['signal 90 is not a real signal', []],
    ['the fatalistic view', []],
    ["don't panic", []],
  ];
  for (const [message, tags] of cases) {
    it(`${JSON.stringify(message.slice(0, 50))} → [${tags.join(', ')}]`, () => {
      assert.deepEqual(tagLogMessage(message), tags);
    });
  }
});
