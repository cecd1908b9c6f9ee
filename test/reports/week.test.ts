// ISO weeks: parsing, year boundaries, and windows on a time zone's wall clock across DST.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isoWeekOf,
  lastCompleteWeek,
  parseIsoWeek,
  shiftWeek,
  weekWindow,
  weeksInYear,
  WeekError,
} from '../../reports/week.js';

const HOUR = 3_600_000;

describe('ISO weeks', () => {
  it('parses and rejects week strings', () => {
    assert.deepEqual(parseIsoWeek('2026-W47'), { year: 2026, week: 47 });
    assert.deepEqual(parseIsoWeek(' 2026-W01 '), { year: 2026, week: 1 });
    assert.throws(() => parseIsoWeek('2026-47'), WeekError);
    assert.throws(() => parseIsoWeek('2026-W00'), WeekError);
    assert.throws(() => parseIsoWeek('2025-W53'), /2025 has weeks 01 to 52/);
    assert.deepEqual(parseIsoWeek('2026-W53'), { year: 2026, week: 53 });
  });

  it('knows which years have 53 weeks', () => {
    assert.equal(weeksInYear(2026), 53);
    assert.equal(weeksInYear(2025), 52);
    assert.equal(weeksInYear(2020), 53);
  });

  it('moves across year boundaries', () => {
    assert.equal(shiftWeek('2026-W47', -3), '2026-W44');
    assert.equal(shiftWeek('2027-W01', -1), '2026-W53');
    assert.equal(shiftWeek('2026-W53', 1), '2027-W01');
    assert.equal(shiftWeek('2026-W01', -1), '2025-W52');
  });

  it('finds the week of an instant on the zone’s wall clock', () => {
    // Friday 1 January 2027 belongs to the last week of 2026.
    assert.equal(isoWeekOf(Date.UTC(2027, 0, 1, 12)), '2026-W53');
    assert.equal(isoWeekOf(Date.UTC(2026, 10, 15, 23, 30)), '2026-W46');
    // 23:30 UTC on Sunday is already Monday in Berlin.
    assert.equal(isoWeekOf(Date.UTC(2026, 10, 15, 23, 30), 'Europe/Berlin'), '2026-W47');
    assert.equal(lastCompleteWeek(Date.UTC(2026, 10, 23, 6)), '2026-W47');
  });

  it('gives Monday-to-Monday windows in UTC and in a zone, across a DST change', () => {
    assert.deepEqual(weekWindow('2026-W47'), {
      from: Date.UTC(2026, 10, 16),
      to: Date.UTC(2026, 10, 23),
    });
    // Summer time ends in Berlin on Sunday 25 October 2026: that week lasts 169 hours.
    const autumn = weekWindow('2026-W43', 'Europe/Berlin');
    assert.equal(autumn.from, Date.UTC(2026, 9, 18, 22));
    assert.equal(autumn.to, Date.UTC(2026, 9, 25, 23));
    assert.equal((autumn.to - autumn.from) / HOUR, 169);
    const spring = weekWindow('2026-W13', 'Europe/Berlin');
    assert.equal((spring.to - spring.from) / HOUR, 167);
    assert.deepEqual(weekWindow('2026-W47', 'America/New_York'), {
      from: Date.UTC(2026, 10, 16, 5),
      to: Date.UTC(2026, 10, 23, 5),
    });
    assert.throws(() => weekWindow('2026-W47', 'Mars/Olympus'), /unknown time zone/);
  });
});
