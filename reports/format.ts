// How numbers read in the report: cores with at most two decimals, memory in GiB (MiB below one),
// dollars, shares as whole percents, dates on the report time zone's wall clock. One module so
// the HTML, Markdown and the sentences in the data agree to the digit.
import type { EpochMs, ResourceAmounts } from '../core/domain.js';
import { ratesText } from '../analyzers/recommendations/prices.js';
import type { Coverage, Forecast, MethodNotes } from './model.js';
import { wallClock } from './week.js';
import { formatMoney } from '../core/money.js';

const MIB = 2 ** 20;
const GIB = 2 ** 30;

const round = (value: number, digits: number) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

export function cores(value: number): string {
  if (value !== 0 && Math.abs(value) < 1) return `${Math.round(value * 1000)}m`;
  return `${round(value, Math.abs(value) >= 100 ? 0 : 2)}`;
}

export function coresText(value: number): string {
  return Math.abs(value) < 1 && value !== 0 ? `${cores(value)} CPU` : `${cores(value)} cores`;
}

export function bytes(value: number): string {
  if (Math.abs(value) >= GIB || value === 0) {
    const gib = value / GIB;
    return `${round(gib, Math.abs(gib) >= 100 ? 0 : Math.abs(gib) >= 10 ? 1 : 2)} GiB`;
  }
  return `${Math.round(value / MIB)} MiB`;
}

/** "$0.031611/core-hour and $0.004237/GiB-hour (default); … (pool gpu)", then rates findings kept. */
export function pricesText(method: Pick<MethodNotes, 'prices' | 'findingPrices'>): string {
  const configured = method.prices.map((p) => `${ratesText(p)} (${p.scope})`).join('; ');
  const kept = method.findingPrices.length
    ? `; recommendations opened at earlier prices were priced at ${method.findingPrices.map(ratesText).join('; ')}`
    : '';
  return configured + kept;
}

/** Money in the report's currency (one formatter for findings, report and digests). */
export function money(amount: number, currency: string): string {
  return formatMoney(amount, currency);
}

export function percent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${Math.round(ratio * 100)}%`;
}

export function share(part: number, whole: number): string {
  return whole > 0 ? percent(part / whole) : '–';
}

export function signed(text: string, value: number): string {
  if (value > 0) return `+${text}`;
  if (value < 0 && !text.startsWith('−') && !text.startsWith('-')) return `−${text}`;
  return text;
}

export function days(value: number | null): string {
  if (value === null) return 'not on current trend';
  if (value <= 0) return 'already at or over allocatable';
  if (value < 1) return 'within a day';
  if (value > 365) return '> 1 year';
  const n = Math.round(value);
  return `${n} day${n === 1 ? '' : 's'}`;
}

/** "42 days (30–70)", "already at or over allocatable", or why there is no forecast. */
export function runsOut(f: Forecast): string {
  if (f.verdict === 'insufficient_history') return `no forecast: ${f.reason ?? 'not enough data'}`;
  if (f.verdict === 'exhausted') return days(0);
  const text = days(f.daysToExhaustion);
  if (!f.interval || f.daysToExhaustion === null || f.daysToExhaustion > 365) return text;
  const bound = (d: number | null) =>
    d === null ? 'never' : d > 365 ? '365+' : `${Math.round(d)}`;
  return `${text} (${bound(f.interval.soonest)}–${bound(f.interval.latest)})`;
}

/** "6.8 / 7 d", "3 h / 7 d": coverage where a table column has little room. */
export function coverageShort(c: Coverage): string {
  const had = c.hoursWithData < 24 ? `${c.hoursWithData} h` : `${round(c.hoursWithData / 24, 1)}`;
  return `${had} / ${round(c.hours / 24, 1)} d`;
}

/** "6.9 of 7 days of data", "3 h of 7 days of data": what a week's usage figures rest on. */
export function coverageText(c: Coverage): string {
  const span = `${round(c.hours / 24, 1)} day${c.hours === 24 ? '' : 's'}`;
  if (c.hoursWithData === 0) return `no usage data in ${span}`;
  const had = c.hoursWithData < 24 ? `${c.hoursWithData} h` : `${round(c.hoursWithData / 24, 1)}`;
  return `${had} of ${span} of data`;
}

/** "cpu 250m / mem 512 MiB" for a request or limit, "–" for what is not set. */
export function amounts(value: ResourceAmounts): string {
  const cpu = value.cpuCores === undefined ? '–' : cores(value.cpuCores);
  const mem = value.memoryBytes === undefined ? '–' : bytes(value.memoryBytes);
  return `${cpu} / ${mem}`;
}

const pad = (n: number | undefined) => String(n ?? 0).padStart(2, '0');

/** "2026-11-16 00:00" on the wall clock of the time zone. */
export function dateTime(t: EpochMs, timeZone: string): string {
  const [y, mo, d, h, mi] = wallClock(t, timeZone);
  return `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}`;
}

export function date(t: EpochMs, timeZone: string): string {
  const [y, mo, d] = wallClock(t, timeZone);
  return `${y}-${pad(mo)}-${pad(d)}`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "Tue 14:05" on the wall clock of the time zone, for events inside the report week. */
export function weekdayTime(t: EpochMs, timeZone: string): string {
  const [y, mo, d, h, mi] = wallClock(t, timeZone);
  const weekday = WEEKDAYS[new Date(Date.UTC(y!, mo! - 1, d)).getUTCDay()];
  return `${weekday} ${pad(h)}:${pad(mi)}`;
}

export const GIB_BYTES = GIB;
