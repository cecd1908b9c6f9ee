// build(): the API over a real in-memory store, as tests reach it through app.inject.
import { buildApp, type App } from '../../api/app.js';
import { silentLogger } from '../../core/logger.js';
import { Telemetry } from '../../core/telemetry.js';
import type { WeeklyReportScheduler } from '../../reports/scheduler.js';
import { MemoryStore } from '../../store/memory.js';

export const READ_TOKEN = 'read-token-0123456789abcdef';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

export async function build(
  options: {
    store?: MemoryStore;
    open?: boolean;
    rateLimit?: { perSecond: number; burst: number };
    trustProxy?: boolean | string;
    reports?: WeeklyReportScheduler;
    publicUrl?: string;
    cluster?: string;
    telemetry?: Telemetry;
    metricsPublic?: boolean;
    maxWindowMs?: number;
    heavyRequests?: { concurrent: number; queued: number };
  } = {},
): Promise<{ app: App; store: MemoryStore }> {
  const store = options.store ?? new MemoryStore();
  const app = await buildApp({
    logger: silentLogger,
    telemetry: options.telemetry ?? new Telemetry({ defaultMetrics: false }),
    health: () => Promise.resolve([]),
    version: 'test',
    store,
    cluster: options.cluster ?? 'test',
    tokens: options.open
      ? { readTokens: [], adminTokens: [] }
      : { readTokens: [READ_TOKEN], adminTokens: [ADMIN_TOKEN] },
    metricsPublic: options.metricsPublic ?? false,
    maxWindowMs: options.maxWindowMs,
    ...(options.heavyRequests ? { heavyRequests: options.heavyRequests } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    trustProxy: options.trustProxy,
    reports: options.reports,
    publicUrl: options.publicUrl,
  });
  return { app, store };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
