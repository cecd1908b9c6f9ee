// Every dashboard loads as written in the Grafana releases people run: schema version 39 (Grafana
// 10.4's, which 11.x migrates up), and every field of the dashboard, its variables, links, panels,
// field configs, panel options, queries and transformations declared by the dashboard schema of
// Grafana 10.4 and of 11.6 (each release's @grafana/schema).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { GRAFANA_SCHEMA_VERSION } from '../../dashboards/compat.js';
import { buildDashboards } from '../../dashboards/index.js';
import { GRAFANA_RELEASES, GrafanaSchema } from './grafana-compat.js';
import { panelsOf } from '../../dashboards/common.js';

/**
 * Fields of Grafana's runtime variable model (@grafana/data) that its schema does not list: the
 * query editor's display text of a query variable.
 */
const RUNTIME_VARIABLE_FIELDS = new Set(['definition']);

type Loose = Record<string, unknown>;

function undeclared(object: unknown, fields: Set<string> | undefined, where: string): string[] {
  if (object === undefined || object === null) return [];
  if (!fields) return [`${where}: the release declares no such type`];
  return Object.keys(object as Loose)
    .filter((key) => !fields.has(key))
    .map((key) => `${where}.${key}`);
}

describe('dashboards in Grafana 10.4 and 11.x', () => {
  const dashboards = buildDashboards();
  const oldest = new GrafanaSchema(GRAFANA_RELEASES[0]);

  it('carry the schema version of Grafana 10.4', () => {
    for (const d of dashboards) assert.equal(d.json.schemaVersion, GRAFANA_SCHEMA_VERSION, d.uid);
  });

  for (const release of GRAFANA_RELEASES) {
    it(`use only fields Grafana ${release}'s dashboard schema declares`, () => {
      const schema = new GrafanaSchema(release);
      const found: string[] = [];
      for (const d of dashboards) {
        const json = d.json as unknown as Loose;
        const at = (path: string) => `${d.uid}: ${path}`;
        found.push(...undeclared(json, schema.dashboardFields('Dashboard'), at('dashboard')));
        const variables = (json.templating as { list?: Loose[] } | undefined)?.list ?? [];
        const variableFields = schema.dashboardFields('VariableModel');
        for (const field of RUNTIME_VARIABLE_FIELDS) variableFields.add(field);
        for (const v of variables)
          found.push(...undeclared(v, variableFields, at(`$${String(v.name)}`)));
        for (const link of (json.links ?? []) as Loose[]) {
          found.push(...undeclared(link, schema.dashboardFields('DashboardLink'), at('link')));
        }
        for (const p of panelsOf(d.json)) {
          const panel = p as unknown as Loose;
          const where = at(`panel "${String(panel.title)}"`);
          if (panel.type === 'row') {
            found.push(...undeclared(panel, schema.dashboardFields('RowPanel'), where));
            continue;
          }
          const type = String(panel.type);
          const fieldConfig = (p as Panel).fieldConfig as unknown as Loose | undefined;
          const defaults = fieldConfig?.defaults as Loose | undefined;
          found.push(
            ...undeclared(panel, schema.dashboardFields('Panel'), where),
            ...undeclared(
              fieldConfig,
              schema.dashboardFields('FieldConfigSource'),
              `${where} fieldConfig`,
            ),
            ...undeclared(defaults, schema.dashboardFields('FieldConfig'), `${where} defaults`),
            ...undeclared(
              defaults?.custom,
              schema.panelFields(type, 'FieldConfig'),
              `${where} custom`,
            ),
            ...undeclared(panel.options, schema.panelFields(type, 'Options'), `${where} options`),
          );
          for (const t of (panel.targets ?? []) as Loose[]) {
            const datasource =
              ((t.datasource as Loose | undefined)?.type as string) ?? 'prometheus';
            // 11.x publishes Prometheus' query type in its plugin, not in @grafana/schema.
            const fields = schema.queryFields(datasource) ?? oldest.queryFields(datasource);
            found.push(...undeclared(t, fields, `${where} query ${String(t.refId)}`));
          }
          for (const t of (panel.transformations ?? []) as Loose[]) {
            found.push(
              ...undeclared(
                t,
                schema.dashboardFields('DataTransformerConfig'),
                `${where} transformation`,
              ),
            );
          }
        }
      }
      assert.deepEqual(found, []);
    });
  }
});
