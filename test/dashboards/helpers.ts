// Walks the generated dashboards: every panel (rows included) and every query.
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { panelsOf } from '../../dashboards/common.js';

export interface QueryRef {
  readonly dashboard: string;
  readonly panel: string;
  readonly datasource: { type?: string; uid?: string } | undefined;
  readonly expr?: string;
  readonly query?: string;
}

export function queriesOf(d: Dashboard): QueryRef[] {
  const out: QueryRef[] = [];
  for (const p of panelsOf(d)) {
    if (p.type === 'row') continue;
    for (const t of (p as Panel).targets ?? []) {
      const target = t as { datasource?: QueryRef['datasource']; expr?: string; query?: string };
      out.push({
        dashboard: d.uid ?? '',
        panel: p.title ?? '',
        datasource: target.datasource ?? (p as Panel).datasource,
        ...(target.expr !== undefined ? { expr: target.expr } : {}),
        ...(target.query !== undefined ? { query: target.query } : {}),
      });
    }
  }
  return out;
}
