// Money for a reserved core or GiB. Defaults are on-demand list prices of a general-purpose cloud
// VM split into its CPU and memory parts (GKE/E2-style: $0.031611 per vCPU-hour and $0.004237 per
// GiB-hour); override them with your own blended rates, per node pool or instance type where
// those differ (config report.prices).
import type { Node } from '../../core/domain.js';

export interface Rates {
  /** Dollars per vCPU-hour. */
  readonly cpuCoreHour: number;
  /** Dollars per GiB-hour of memory. */
  readonly memoryGibHour: number;
}

export interface Prices extends Rates {
  /** Rates of a node pool, over the default. */
  readonly pools?: Readonly<Record<string, Rates>> | undefined;
  /** Rates of an instance type (label node.kubernetes.io/instance-type), over pool and default. */
  readonly instanceTypes?: Readonly<Record<string, Rates>> | undefined;
}

export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';

/** The rates capacity on this node (or in this pool) costs: instance type, then pool, then default. */
export function ratesFor(prices: Prices, where: { pool?: string | undefined; node?: Node }): Rates {
  const type = where.node?.labels[INSTANCE_TYPE_LABEL];
  const pool = where.pool ?? where.node?.pool;
  const rates =
    (type !== undefined ? prices.instanceTypes?.[type] : undefined) ??
    (pool !== undefined ? prices.pools?.[pool] : undefined) ??
    prices;
  return { cpuCoreHour: rates.cpuCoreHour, memoryGibHour: rates.memoryGibHour };
}

export const DEFAULT_PRICES: Prices = { cpuCoreHour: 0.031611, memoryGibHour: 0.004237 };

/** Hours in an average month (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

const GIB = 2 ** 30;

/** Monthly cost of holding `cores` and `bytes` reserved around the clock. */
export function monthlyCost(prices: Rates, cores: number, bytes: number): number {
  return (cores * prices.cpuCoreHour + (bytes / GIB) * prices.memoryGibHour) * HOURS_PER_MONTH;
}
