// Money for a reserved core or GiB. Defaults are on-demand list prices of a general-purpose cloud
// VM split into its CPU and memory parts (GKE/E2-style: $0.031611 per vCPU-hour and $0.004237 per
// GiB-hour); override them with your own blended rates, per node pool or instance type where
// those differ (config report.prices).
import type { Node } from '../../core/domain.js';
import { DEFAULT_CURRENCY, formatRate } from '../../core/money.js';

export interface Rates {
  /** Money per vCPU-hour. */
  readonly cpuCoreHour: number;
  /** Money per GiB-hour of memory. */
  readonly memoryGibHour: number;
  /** ISO 4217 code of both rates (default USD). */
  readonly currency?: string | undefined;
}

export interface Prices extends Rates {
  /** Rates of a node pool, over the default. */
  readonly pools?: Readonly<Record<string, Rates>> | undefined;
  /** Rates of an instance type (label node.kubernetes.io/instance-type), over pool and default. */
  readonly instanceTypes?: Readonly<Record<string, Rates>> | undefined;
}

export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';

/** The rates capacity on this node (or in this pool) costs: instance type, then pool, then default. */
export function ratesFor(
  prices: Prices,
  where: { pool?: string | undefined; node?: Node | undefined },
): Rates {
  const type = where.node?.labels[INSTANCE_TYPE_LABEL];
  const pool = where.pool ?? where.node?.pool;
  const rates =
    (type !== undefined ? prices.instanceTypes?.[type] : undefined) ??
    (pool !== undefined ? prices.pools?.[pool] : undefined) ??
    prices;
  return {
    cpuCoreHour: rates.cpuCoreHour,
    memoryGibHour: rates.memoryGibHour,
    currency: prices.currency ?? DEFAULT_CURRENCY,
  };
}

export interface ScopedRates extends Rates {
  /** "default", "pool general", "instance type m5.large". */
  readonly scope: string;
}

/** Every rate the configuration sets, default first: what the report's method section lists. */
export function priceBook(prices: Prices): ScopedRates[] {
  const currency = prices.currency ?? DEFAULT_CURRENCY;
  const scoped = (scope: string, r: Rates): ScopedRates => ({
    scope,
    cpuCoreHour: r.cpuCoreHour,
    memoryGibHour: r.memoryGibHour,
    currency,
  });
  return [
    scoped('default', prices),
    ...Object.entries(prices.pools ?? {}).map(([pool, r]) => scoped(`pool ${pool}`, r)),
    ...Object.entries(prices.instanceTypes ?? {}).map(([type, r]) =>
      scoped(`instance type ${type}`, r),
    ),
  ];
}

export function sameRates(a: Rates, b: Rates): boolean {
  return (
    a.cpuCoreHour === b.cpuCoreHour &&
    a.memoryGibHour === b.memoryGibHour &&
    (a.currency ?? DEFAULT_CURRENCY) === (b.currency ?? DEFAULT_CURRENCY)
  );
}

export const DEFAULT_PRICES: Prices = {
  cpuCoreHour: 0.031611,
  memoryGibHour: 0.004237,
  currency: DEFAULT_CURRENCY,
};

/** "$0.031611/core-hour and $0.004237/GiB-hour": the rates a figure was priced at. */
export function ratesText(rates: Rates): string {
  return `${formatRate(rates.cpuCoreHour, rates.currency)}/core-hour and ${formatRate(rates.memoryGibHour, rates.currency)}/GiB-hour`;
}

/** Hours in an average month (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

const GIB = 2 ** 30;

/** Monthly cost of holding `cores` and `bytes` reserved around the clock. */
export function monthlyCost(prices: Rates, cores: number, bytes: number): number {
  return (cores * prices.cpuCoreHour + (bytes / GIB) * prices.memoryGibHour) * HOURS_PER_MONTH;
}
