// Money for a reserved core or GiB. Defaults are on-demand list prices of a general-purpose cloud
// VM split into its CPU and memory parts (GKE/E2-style: $0.031611 per vCPU-hour and $0.004237 per
// GiB-hour); override them with your own blended rates.
export interface Prices {
  /** Dollars per vCPU-hour. */
  readonly cpuCoreHour: number;
  /** Dollars per GiB-hour of memory. */
  readonly memoryGibHour: number;
}

export const DEFAULT_PRICES: Prices = { cpuCoreHour: 0.031611, memoryGibHour: 0.004237 };

/** Hours in an average month (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

const GIB = 2 ** 30;

/** Monthly cost of holding `cores` and `bytes` reserved around the clock. */
export function monthlyCost(prices: Prices, cores: number, bytes: number): number {
  return (cores * prices.cpuCoreHour + (bytes / GIB) * prices.memoryGibHour) * HOURS_PER_MONTH;
}
