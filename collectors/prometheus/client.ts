// The Prometheus HTTP API behind a small interface (query_range, instant query), with axios.
// Responses are capped in size and time; the caller sizes its chunks so that one answer stays
// well below the cap.
import axios from 'axios';

export interface PromSeries {
  readonly metric: Record<string, string>;
  /** [unix seconds, value as text] pairs, in time order. */
  readonly values: readonly [number, string][];
}

export interface PromClient {
  readonly url: string;
  queryRange(query: string, startMs: number, endMs: number, stepMs: number): Promise<PromSeries[]>;
  /** Instant query; each series has one value. */
  query(query: string, atMs: number): Promise<PromSeries[]>;
}

export class PromQueryError extends Error {
  override readonly name = 'PromQueryError';
  constructor(
    message: string,
    readonly errorType: 'timeout' | 'unavailable' | 'rejected' | 'malformed',
  ) {
    super(message);
  }
}

export interface PromClientOptions {
  readonly timeoutMs?: number;
  /** Largest response accepted. Default 128 MiB. */
  readonly maxBytes?: number;
}

interface ApiResponse {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** A query short enough for a log line: which one failed is what an operator needs. */
function excerpt(query: string): string {
  const flat = query.replace(/\s+/g, ' ');
  return flat.length <= 240 ? flat : `${flat.slice(0, 240)}…`;
}

function seriesOf(data: ApiResponse, query: string): PromSeries[] {
  if (data.status !== 'success' || !Array.isArray(data.data?.result)) {
    throw new PromQueryError(
      `Prometheus error: ${data.error ?? 'unexpected response'} (query: ${excerpt(query)})`,
      'rejected',
    );
  }
  const out: PromSeries[] = [];
  for (const entry of data.data.result as {
    metric?: Record<string, string>;
    values?: [number, string][];
    value?: [number, string];
  }[]) {
    const values = entry.values ?? (entry.value ? [entry.value] : []);
    out.push({ metric: entry.metric ?? {}, values });
  }
  return out;
}

export class HttpPromClient implements PromClient {
  constructor(
    readonly url: string,
    private readonly options: PromClientOptions = {},
  ) {}

  queryRange(query: string, startMs: number, endMs: number, stepMs: number): Promise<PromSeries[]> {
    return this.post('/api/v1/query_range', {
      query,
      start: String(startMs / 1000),
      end: String(endMs / 1000),
      step: `${Math.max(1, Math.round(stepMs / 1000))}s`,
    });
  }

  query(query: string, atMs: number): Promise<PromSeries[]> {
    return this.post('/api/v1/query', { query, time: String(atMs / 1000) });
  }

  private async post(path: string, form: Record<string, string>): Promise<PromSeries[]> {
    try {
      // POST keeps long selectors (namespace batches) out of URL length limits.
      const response = await axios.post<ApiResponse>(
        `${this.url.replace(/\/+$/, '')}${path}`,
        new URLSearchParams(form).toString(),
        {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          timeout: this.options.timeoutMs ?? 60_000,
          maxContentLength: this.options.maxBytes ?? 128 * 1024 * 1024,
          validateStatus: () => true,
        },
      );
      if (typeof response.data !== 'object' || response.data === null) {
        throw new PromQueryError(`${path}: HTTP ${response.status}, not JSON`, 'malformed');
      }
      if (response.status >= 500) {
        throw new PromQueryError(
          `${path}: HTTP ${response.status} ${response.data.error ?? ''}`,
          'unavailable',
        );
      }
      return seriesOf(response.data, form.query ?? '');
    } catch (error) {
      if (error instanceof PromQueryError) throw error;
      const e = error as { code?: string; message: string };
      throw new PromQueryError(
        `${path}: ${e.message}`,
        e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' ? 'timeout' : 'unavailable',
      );
    }
  }
}
