// The list of dashboards, written out in one place: adding one is a file and a line here.
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { capacityDashboard } from './capacity.js';
import { forGrafana10 } from './compat.js';
import {
  DEFAULT_DASHBOARD_OPTIONS,
  panelsOf,
  type DashboardOptions,
  type PlimsollDashboard,
} from './common.js';
import { memoryPressureDashboard } from './memory-pressure.js';
import { oomLoopsDashboard } from './oom-loops.js';
import { pipelineDashboard } from './pipeline.js';
import { requestsFitDashboard } from './requests-fit.js';

export const DASHBOARD_FACTORIES: readonly ((options: DashboardOptions) => PlimsollDashboard)[] = [
  memoryPressureDashboard,
  oomLoopsDashboard,
  requestsFitDashboard,
  capacityDashboard,
  pipelineDashboard,
];

export interface BuiltDashboard {
  readonly uid: string;
  readonly title: string;
  /** File name under dashboards/generated/. */
  readonly file: string;
  readonly json: Dashboard;
  readonly mainQuery: string;
}

/** The dashboards, with what the configuration gives (the rest from DEFAULT_DASHBOARD_OPTIONS). */
export function buildDashboards(given: Partial<DashboardOptions> = {}): BuiltDashboard[] {
  const options = { currency: given.currency ?? DEFAULT_DASHBOARD_OPTIONS.currency };
  return DASHBOARD_FACTORIES.map((factory) => {
    const spec = factory(options);
    const json = forGrafana10(normalise(spec.builder.build()));
    return {
      uid: spec.uid,
      title: json.title ?? spec.uid,
      file: `${spec.uid}.json`,
      json,
      mainQuery: spec.mainQuery,
    };
  });
}

/**
 * What Grafana does on load, done once here so the files are stable: panel ids in layout order,
 * and an empty field config where a panel builder left none.
 */
function normalise(d: Dashboard): Dashboard {
  panelsOf(d).forEach((p, index) => {
    p.id = index + 1;
    if (p.type === 'row') return;
    const panel = p as Panel;
    panel.fieldConfig ??= { defaults: {}, overrides: [] };
    panel.fieldConfig.defaults ??= {};
    panel.fieldConfig.overrides ??= [];
  });
  return d;
}
