// The collection worker's raw baseline: the same requests as Plimsoll's side, with plain
// node:http (keep-alive agent) at the same concurrency; bodies are only split into lines.
import { Agent, get as httpGet } from 'node:http';
import { LineCounter, measure, type WorkerReport } from './collection-common.js';

interface RawResponse {
  readonly status: number;
  readonly bytes: number;
}

function rawGet(agent: Agent, url: string, onChunk: (chunk: string) => void): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { agent }, (response) => {
      let bytes = 0;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        onChunk(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

const WARM_UP_NODES = 50;

export async function rawKubelet(url: string, concurrency: number): Promise<WorkerReport> {
  const agent = new Agent({ keepAlive: true });
  let requests = 0;
  let failed = 0;
  let bytes = 0;
  let scrapes = 0;
  let sampleLines = 0;
  const fetchText = async (path: string): Promise<boolean> => {
    requests++;
    const lines = new LineCounter();
    try {
      const response = await rawGet(agent, `${url}${path}`, (chunk) => lines.write(chunk));
      lines.end();
      sampleLines += lines.sampleLines;
      bytes += response.bytes;
      if (response.status >= 200 && response.status < 300) return true;
    } catch {
      // counted below
    }
    failed++;
    return false;
  };
  const round = async (maxNodes = Infinity) => {
    // The node list, paged as the collector pages it; JSON is the only way to the names.
    const names: string[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '500' });
      if (token) query.set('continue', token);
      let body = '';
      requests++;
      const response = await rawGet(agent, `${url}/api/v1/nodes?${query.toString()}`, (c) => {
        body += c;
      });
      bytes += response.bytes;
      const page = JSON.parse(body) as {
        items: { metadata: { name: string } }[];
        metadata: { continue?: string };
      };
      for (const item of page.items) names.push(item.metadata.name);
      token = page.metadata.continue || undefined;
    } while (token);
    const count = Math.min(names.length, maxNodes);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const proxy = `/api/v1/nodes/${encodeURIComponent(names[next++]!)}/proxy`;
        if (await fetchText(`${proxy}/metrics/resource`)) scrapes++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return names.length;
  };
  // A warm-up on a few nodes first (Plimsoll's side needs a whole round for its counter state;
  // plain HTTP needs only its code warm).
  await round(WARM_UP_NODES);
  requests = failed = bytes = scrapes = sampleLines = 0;
  const { wallMs, cpuMs, value: nodes } = await measure(round);
  agent.destroy();
  return {
    target: 'kubelet',
    mode: 'raw',
    nodes,
    scrapes,
    failedRequests: failed,
    requests,
    bytes,
    samples: sampleLines,
    entities: 0,
    wallMs,
    cpuMs,
  };
}

export async function rawKsm(url: string): Promise<WorkerReport> {
  const agent = new Agent({ keepAlive: true });
  const lines = new LineCounter();
  const { wallMs, cpuMs, value } = await measure(() =>
    rawGet(agent, `${url}/ksm/metrics`, (chunk) => lines.write(chunk)),
  );
  lines.end();
  agent.destroy();
  return {
    target: 'ksm',
    mode: 'raw',
    nodes: 0,
    scrapes: 1,
    failedRequests: value.status === 200 ? 0 : 1,
    requests: 1,
    bytes: value.bytes,
    samples: lines.sampleLines,
    entities: 0,
    wallMs,
    cpuMs,
  };
}
