import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { epochMsOf, parseRfc3339 } from '../../../collectors/formats/time.js';

describe('parseRfc3339', () => {
  const cases: [string, { ms: number; nanos: number }][] = [
    ['2018-02-13T16:05:48Z', { ms: Date.UTC(2018, 1, 13, 16, 5, 48), nanos: 0 }],
    ['2016-10-06T00:17:09.669794202Z', { ms: Date.UTC(2016, 9, 6, 0, 17, 9, 669), nanos: 794_202 }],
    ['2016-10-06T00:17:09.5Z', { ms: Date.UTC(2016, 9, 6, 0, 17, 9, 500), nanos: 0 }],
    ['2024-02-27T19:30:39+01:00', { ms: Date.UTC(2024, 1, 27, 18, 30, 39), nanos: 0 }],
    ['2024-02-27T19:30:39.000000001-00:30', { ms: Date.UTC(2024, 1, 27, 20, 0, 39), nanos: 1 }],
    // Digits past nanoseconds are ignored rather than rejected.
    [
      '2024-02-27T19:30:39.1234567899Z',
      { ms: Date.UTC(2024, 1, 27, 19, 30, 39, 123), nanos: 456_789 },
    ],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepEqual(parseRfc3339(text), expected));
  }

  const invalid = [
    '',
    '2018-02-13',
    '2018-02-13T16:05:48',
    '2018-02-30T00:00:00Z',
    '2018-13-01T00:00:00Z',
    '2018-02-13T25:00:00Z',
    '2018-02-13T16:05:48.Z',
    '2018-02-13T16:05:48Zjunk',
    'not a timestamp at all!',
  ];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseRfc3339(text), undefined));
  }

  it('epochMsOf gives undefined for null, numbers and pre-1970 times', () => {
    assert.equal(epochMsOf(null), undefined);
    assert.equal(epochMsOf(1234), undefined);
    assert.equal(epochMsOf('0001-01-01T00:00:00Z'), undefined);
    assert.equal(epochMsOf('1970-01-01T00:00:01Z'), 1000);
  });
});
