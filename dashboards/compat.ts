// The dashboards as Grafana 10.4 reads them, and so every 11.x too: schema version 39 (10.4's;
// 11.x migrates older dashboards up on load, never down) and none of the fields the SDK emits for
// newer releases. test/dashboards/compat.test.ts checks every field against the dashboard schema
// of Grafana 10.4 and 11.6 (@grafana/schema of each release).
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { panelsOf } from './common.js';

/** Grafana 10.4's dashboard schema version (and 11.0–11.2's). */
export const GRAFANA_SCHEMA_VERSION = 39;

/** Panel options a newer Grafana added, by panel type: 10.4 would carry them unread. */
const NEWER_PANEL_OPTIONS: Record<string, readonly string[]> = {
  stat: ['percentChangeColorMode'],
  'state-timeline': ['perPage'],
  bargauge: ['legend'],
};

type Loose = Record<string, unknown>;

export function forGrafana10(dashboard: Dashboard): Dashboard {
  dashboard.schemaVersion = GRAFANA_SCHEMA_VERSION;
  for (const variable of (dashboard.templating?.list ?? []) as unknown as Loose[]) {
    delete variable.allowCustomValue;
    // The interval variable's settings, which the SDK writes on every variable.
    if (variable.type !== 'interval') {
      delete variable.auto;
      delete variable.auto_min;
      delete variable.auto_count;
    }
  }
  for (const link of (dashboard.links ?? []) as unknown as Loose[]) delete link.placement;
  for (const panel of panelsOf(dashboard) as unknown as Loose[]) {
    const options = panel.options as Loose | undefined;
    for (const option of NEWER_PANEL_OPTIONS[panel.type as string] ?? []) delete options?.[option];
    // A marker of the SDK's own types, not a query field.
    for (const target of (panel.targets ?? []) as Loose[])
      delete target._implementsDataqueryVariant;
  }
  return dashboard;
}
