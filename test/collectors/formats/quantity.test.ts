import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseCpuCores,
  parseMemoryBytes,
  parseQuantity,
} from '../../../collectors/formats/quantity.js';

describe('parseCpuCores', () => {
  const cases: [unknown, number][] = [
    ['250m', 0.25],
    ['100m', 0.1],
    ['2', 2],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1.', 1],
    ['3920m', 3.92],
    ['100u', 0.0001],
    ['100n', 1e-7],
    ['1k', 1000],
    ['+4', 4],
    ['0', 0],
    [1.5, 1.5],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected} cores`, () => {
      assert.deepEqual(parseCpuCores(input), { ok: true, value: expected });
    });
  }
});

describe('parseMemoryBytes', () => {
  const cases: [string, number][] = [
    ['512Mi', 512 * 1024 ** 2],
    ['1Gi', 1024 ** 3],
    ['1G', 1e9],
    ['128974848', 128974848],
    ['129e6', 129_000_000],
    ['129E6', 129_000_000],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['1Ki', 1024],
    ['500k', 500_000],
    ['1E', 1e18],
    ['1Ei', 2 ** 60],
    ['16393236Ki', 16393236 * 1024],
    ['1500m', 2], // fractional bytes round up, as Kubernetes does
    ['1e-3', 1],
    [' 64Mi ', 64 * 1024 ** 2],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected} bytes`, () => {
      assert.deepEqual(parseMemoryBytes(input), { ok: true, value: expected });
    });
  }
});

describe('invalid quantities are error results', () => {
  const cases: [string, unknown, (v: unknown) => ReturnType<typeof parseCpuCores>][] = [
    ['empty', '', parseMemoryBytes],
    ['letters', 'abc', parseMemoryBytes],
    ['lower-case binary suffix', '1ki', parseMemoryBytes],
    ['suffix only', 'Mi', parseMemoryBytes],
    ['two dots', '1.2.3', parseCpuCores],
    ['garbage after suffix', '1Ki5', parseMemoryBytes],
    ['dangling exponent', '1e', parseCpuCores],
    ['negative memory', '-1Gi', parseMemoryBytes],
    ['negative cpu', '-100m', parseCpuCores],
    ['null', null, parseCpuCores],
    ['object', { cpu: 1 }, parseCpuCores],
    ['NaN number', NaN, parseCpuCores],
    ['overflow', '1e999', parseMemoryBytes],
  ];
  for (const [label, input, parse] of cases) {
    it(label, () => {
      const result = parse(input);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.error.length > 0);
    });
  }

  it('parseQuantity keeps the sign for callers that allow negatives', () => {
    assert.deepEqual(parseQuantity('-1500m'), { ok: true, value: -1.5 });
  });
});
