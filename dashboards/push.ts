// Pushes the dashboards to a running Grafana through its HTTP API (POST /api/dashboards/db) into
// a "Plimsoll" folder. The token is sent as a bearer header and never logged or echoed in errors.
import { buildDashboards } from './index.js';
import { safeTarget } from '../core/delivery.js';

export interface PushOptions {
  readonly grafanaUrl: string;
  readonly token: string;
  readonly folderUid?: string;
  readonly timeoutMs?: number;
}

export interface PushedDashboard {
  readonly uid: string;
  readonly url: string;
}

export async function pushDashboards(options: PushOptions): Promise<PushedDashboard[]> {
  const base = options.grafanaUrl.replace(/\/+$/, '');
  const folderUid = options.folderUid ?? 'plimsoll';
  const headers = {
    authorization: `Bearer ${options.token}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  const timeout = options.timeoutMs ?? 15_000;
  await ensureFolder(base, folderUid, headers, timeout);
  const pushed: PushedDashboard[] = [];
  for (const d of buildDashboards()) {
    const response = await fetch(`${base}/api/dashboards/db`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        dashboard: { ...d.json, id: null },
        folderUid,
        overwrite: true,
        message: 'provisioned by plimsoll dashboards push',
      }),
      signal: AbortSignal.timeout(timeout),
    });
    const body = (await response.json().catch(() => ({}))) as { url?: string; message?: string };
    if (!response.ok) {
      throw new Error(
        `${safeTarget(base)} refused dashboard ${d.uid}: HTTP ${response.status} ${body.message ?? ''}`.trim(),
      );
    }
    pushed.push({ uid: d.uid, url: `${base}${body.url ?? `/d/${d.uid}`}` });
  }
  return pushed;
}

async function ensureFolder(
  base: string,
  uid: string,
  headers: Record<string, string>,
  timeout: number,
): Promise<void> {
  const existing = await fetch(`${base}/api/folders/${uid}`, {
    headers,
    signal: AbortSignal.timeout(timeout),
  });
  if (existing.ok) return;
  if (existing.status !== 404) {
    throw new Error(`${safeTarget(base)} answered HTTP ${existing.status} for folder ${uid}`);
  }
  const created = await fetch(`${base}/api/folders`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ uid, title: 'Plimsoll' }),
    signal: AbortSignal.timeout(timeout),
  });
  // 409/412: another push created it meanwhile.
  if (!created.ok && created.status !== 409 && created.status !== 412) {
    throw new Error(`${safeTarget(base)} could not create folder ${uid}: HTTP ${created.status}`);
  }
}
