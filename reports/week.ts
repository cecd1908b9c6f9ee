// ISO 8601 weeks (Monday to Monday, week 1 holds the year's first Thursday) and their windows in
// a time zone. A planner in Berlin reads "2026-W47" as Monday 00:00 Berlin time, not UTC, so the
// window is computed from the zone's wall clock; across a DST change a week is 167 or 169 hours.
import type { EpochMs, TimeWindow } from '../core/domain.js';

const DAY = 86_400_000;
const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

export interface IsoWeek {
  readonly year: number;
  readonly week: number;
}

/** A week string or time zone a user typed that cannot be used; the message says why. */
export class WeekError extends Error {
  override readonly name = 'WeekError';
}

/** Monday of ISO week 1 of `year`, as a UTC calendar day (epoch ms at 00:00 UTC). */
function firstMonday(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const weekday = (new Date(jan4).getUTCDay() + 6) % 7;
  return jan4 - weekday * DAY;
}

export function weeksInYear(year: number): number {
  return (firstMonday(year + 1) - firstMonday(year)) / (7 * DAY);
}

export function parseIsoWeek(text: string): IsoWeek {
  const match = WEEK_PATTERN.exec(text.trim());
  if (!match) throw new WeekError(`"${text}" is not an ISO week; expected e.g. 2026-W47`);
  const year = Number(match[1]);
  const week = Number(match[2]);
  // Date.UTC reads years 0–99 as 1900–1999, and nothing was collected before 1970 anyway.
  if (year < 1970) throw new WeekError(`${text}: weeks before 1970 are not reported`);
  if (week < 1 || week > weeksInYear(year)) {
    throw new WeekError(`${text}: ${year} has weeks 01 to ${weeksInYear(year)}`);
  }
  return { year, week };
}

export function formatIsoWeek({ year, week }: IsoWeek): string {
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The week `offset` weeks from `week` (negative: earlier). */
export function shiftWeek(week: string, offset: number): string {
  const { year, week: n } = parseIsoWeek(week);
  const monday = firstMonday(year) + (n - 1 + offset) * 7 * DAY;
  return isoWeekOfCalendarDay(monday);
}

function isoWeekOfCalendarDay(utcDay: number): string {
  const weekday = (new Date(utcDay).getUTCDay() + 6) % 7;
  const thursday = utcDay + (3 - weekday) * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - firstMonday(year)) / (7 * DAY));
  return formatIsoWeek({ year, week });
}

export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new WeekError(
      `unknown time zone "${timeZone}"; expected an IANA name such as UTC or Europe/Berlin`,
    );
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `timeZone` at `t`: year, month (1-12), day, hour, minute, second. */
export function wallClock(t: EpochMs, timeZone: string): number[] {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(t))) parts[part.type] = Number(part.value);
  return [parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!];
}

function offsetAt(t: EpochMs, timeZone: string): number {
  const [y, mo, d, h, mi, s] = wallClock(t, timeZone);
  return Date.UTC(y!, mo! - 1, d, h, mi, s) - Math.floor(t / 1000) * 1000;
}

/** The instant the wall clock of `timeZone` shows midnight of the given UTC calendar day. */
function zonedMidnight(utcDay: number, timeZone: string): EpochMs {
  // Two passes settle the offset even when the guess lands on the other side of a DST change.
  const first = utcDay - offsetAt(utcDay, timeZone);
  const second = utcDay - offsetAt(first, timeZone);
  return second;
}

/** [Monday 00:00, next Monday 00:00) of the ISO week in the time zone. */
export function weekWindow(week: string, timeZone = 'UTC'): TimeWindow {
  assertTimeZone(timeZone);
  const { year, week: n } = parseIsoWeek(week);
  const monday = firstMonday(year) + (n - 1) * 7 * DAY;
  return { from: zonedMidnight(monday, timeZone), to: zonedMidnight(monday + 7 * DAY, timeZone) };
}

/** The ISO week holding instant `t` on the wall clock of the time zone. */
export function isoWeekOf(t: EpochMs, timeZone = 'UTC'): string {
  assertTimeZone(timeZone);
  const [y, mo, d] = wallClock(t, timeZone);
  return isoWeekOfCalendarDay(Date.UTC(y!, mo! - 1, d));
}

/** The last week that has ended at `t`: what a Monday-morning run reports on. */
export function lastCompleteWeek(t: EpochMs, timeZone = 'UTC'): string {
  return shiftWeek(isoWeekOf(t, timeZone), -1);
}

export interface WeekBounds {
  readonly now: EpochMs;
  readonly timezone?: string | undefined;
  /** Days the store keeps usage data; a week that ended before that has nothing left to report. */
  readonly retentionDays?: number | undefined;
}

/** Throws WeekError for a week that has not started yet or whose data the store has deleted. */
export function checkReportableWeek(week: string, bounds: WeekBounds): void {
  const timezone = bounds.timezone ?? 'UTC';
  const window = weekWindow(week, timezone);
  const at = (t: EpochMs) => new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  if (window.from > bounds.now) {
    throw new WeekError(`${week} has not started yet (it starts ${at(window.from)})`);
  }
  const retentionDays = bounds.retentionDays;
  if (retentionDays !== undefined && window.to <= bounds.now - retentionDays * DAY) {
    throw new WeekError(
      `${week} ended ${at(window.to)}, before the store's retention of ${retentionDays} days: its data has been deleted`,
    );
  }
}
