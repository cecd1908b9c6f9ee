// Every dashboard against Grafana's published types and the rules Grafana enforces on load.
// The SDK's types are Grafana's schema generated with cog, but its enums are nominally distinct
// from @grafana/schema's, so tsc cannot compare the two; instead every enum-valued field is
// checked against the runtime enums @grafana/schema publishes, and the JSON must hold together
// structurally (ids, grid, panel types, variables, datasource uids the provisioning defines).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  BigValueColorMode,
  BigValueGraphMode,
  DashboardCursorSync,
  FieldColorModeId,
  LegendDisplayMode,
  LogsSortOrder,
  MappingType,
  ThresholdsMode,
  VariableHide,
  VariableRefresh,
  VariableSort,
} from '@grafana/schema';
import { parse } from 'yaml';
import { renderDashboardFiles } from '../../dashboards/build.js';
import { buildDashboards } from '../../dashboards/index.js';
import { panelsOf } from '../../dashboards/common.js';
import { queriesOf } from './helpers.js';

const VARIABLE_TYPES = [
  'query',
  'adhoc',
  'groupby',
  'constant',
  'datasource',
  'interval',
  'textbox',
  'custom',
  'system',
  'snapshot',
  'switch',
];

function oneOf(value: unknown, allowed: object | unknown[], what: string): void {
  if (value === undefined) return;
  const values = Array.isArray(allowed) ? allowed : Object.values(allowed);
  assert.ok(
    values.includes(value),
    `${what}: ${JSON.stringify(value)} is not one of ${JSON.stringify(values)}`,
  );
}

const PANEL_TYPES = new Set([
  'row',
  'timeseries',
  'stat',
  'table',
  'logs',
  'state-timeline',
  'bargauge',
  'gauge',
  'text',
]);

describe('dashboard schema', () => {
  const dashboards = buildDashboards();
  const files = renderDashboardFiles();
  const datasources = parse(files.get('provisioning/datasources/plimsoll.yaml') ?? '') as {
    datasources: { uid: string; type: string; name: string }[];
  };
  const provider = parse(files.get('provisioning/dashboards/plimsoll.yaml') ?? '') as {
    providers: { type: string; options: { path: string } }[];
  };

  it('covers the five dashboards the issue asks for, with unique uids', () => {
    assert.deepEqual(
      dashboards.map((d) => d.uid),
      [
        'plimsoll-memory-pressure',
        'plimsoll-oom-loops',
        'plimsoll-requests-fit',
        'plimsoll-capacity',
        'plimsoll-pipeline',
      ],
    );
  });

  for (const d of dashboards) {
    describe(d.uid, () => {
      const json = d.json;
      it('has the fields Grafana requires', () => {
        assert.ok(json.title?.startsWith('Plimsoll / '));
        assert.ok(typeof json.schemaVersion === 'number' && json.schemaVersion >= 36);
        assert.ok(json.uid && json.uid.length <= 40, 'uid at most 40 characters');
        assert.ok((json.panels ?? []).length > 0);
        assert.ok(json.tags?.includes('plimsoll'));
      });

      it("uses only values of Grafana's published enums", () => {
        oneOf(json.graphTooltip, DashboardCursorSync, 'graphTooltip');
        for (const v of json.templating?.list ?? []) {
          oneOf(v.type, VARIABLE_TYPES, `variable ${v.name} type`);
          oneOf(v.refresh, VariableRefresh, `variable ${v.name} refresh`);
          oneOf(v.sort, VariableSort, `variable ${v.name} sort`);
          oneOf(v.hide, VariableHide, `variable ${v.name} hide`);
        }
        for (const l of json.links ?? []) oneOf(l.type, ['link', 'dashboards'], 'link type');
        for (const p of panelsOf(d.json)) {
          if (p.type === 'row') continue;
          const panel = p as Panel;
          const defaults = panel.fieldConfig?.defaults;
          oneOf(defaults?.thresholds?.mode, ThresholdsMode, `${panel.title} thresholds`);
          oneOf(defaults?.color?.mode, FieldColorModeId, `${panel.title} color`);
          for (const m of defaults?.mappings ?? [])
            oneOf(m.type, MappingType, `${panel.title} mapping`);
          const options = (panel.options ?? {}) as Record<string, unknown>;
          const legend = options.legend as { displayMode?: string } | undefined;
          oneOf(legend?.displayMode, LegendDisplayMode, `${panel.title} legend`);
          oneOf(options.colorMode, BigValueColorMode, `${panel.title} colorMode`);
          oneOf(options.graphMode, BigValueGraphMode, `${panel.title} graphMode`);
          oneOf(options.sortOrder, LogsSortOrder, `${panel.title} sortOrder`);
          assert.ok(
            panel.fieldConfig?.defaults && panel.fieldConfig.overrides,
            `${panel.title} fieldConfig`,
          );
        }
      });

      it('lays panels out on the 24-column grid without overlap and with unique ids', () => {
        const ids = new Set<number>();
        const cells = new Set<string>();
        for (const p of panelsOf(d.json)) {
          assert.ok(PANEL_TYPES.has(p.type), `unknown panel type ${p.type}`);
          assert.ok(p.id !== undefined && !ids.has(p.id), `duplicate id ${p.id}`);
          ids.add(p.id);
          const g = p.gridPos;
          assert.ok(g, `${p.title} has no gridPos`);
          assert.ok(
            g.w > 0 && g.h > 0 && g.x >= 0 && g.y >= 0 && g.x + g.w <= 24,
            `${p.title} grid`,
          );
          for (let x = g.x; x < g.x + g.w; x++) {
            for (let y = g.y; y < g.y + g.h; y++) {
              assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps another panel`);
              cells.add(`${x},${y}`);
            }
          }
          if (p.type !== 'row') {
            const panel = p as Panel;
            assert.ok(panel.title, 'every panel has a title');
            assert.ok((panel.targets ?? []).length > 0, `${panel.title} has no query`);
            const refIds = (panel.targets ?? []).map((t) => (t as { refId?: string }).refId);
            assert.equal(new Set(refIds).size, refIds.length, `${panel.title} repeats a refId`);
          }
        }
      });

      it('defines every variable it uses', () => {
        const names = new Set((json.templating?.list ?? []).map((v) => v.name));
        const builtins = new Set([
          '__rate_interval',
          '__interval',
          '__range',
          '__data',
          '__field',
          '__value',
          '__url_time_range',
        ]);
        const text = JSON.stringify(json.panels);
        for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
          const name = m[1] ?? '';
          assert.ok(
            names.has(name) || builtins.has(name),
            `${d.uid} uses undefined variable $${name}`,
          );
        }
      });

      it('reads Prometheus through its datasource variable, Elasticsearch by provisioned uid', () => {
        const uids = new Map(datasources.datasources.map((ds) => [ds.uid, ds.type]));
        const variables = json.templating?.list ?? [];
        const picker = variables.find((v) => v.name === 'datasource');
        // The variable offers every Prometheus Grafana knows and starts on the provisioned one.
        assert.equal(picker?.type, 'datasource');
        assert.equal(picker.query, 'prometheus');
        const current = picker.current?.value;
        assert.equal(typeof current === 'string' && uids.get(current), 'prometheus');
        const resolve = (uid: string) => (uid === '${datasource}' ? current : uid);
        for (const q of queriesOf(d.json)) {
          assert.ok(q.datasource?.uid, `${q.panel}: query without datasource`);
          if (q.datasource.type === 'prometheus') {
            assert.equal(q.datasource.uid, '${datasource}', `${q.panel}: a fixed Prometheus`);
          }
          assert.equal(
            uids.get(resolve(q.datasource.uid) as string),
            q.datasource.type,
            `${q.panel}: ${q.datasource.uid}`,
          );
        }
        for (const v of variables) {
          const ds = v.datasource;
          if (ds?.uid) assert.equal(ds.uid, '${datasource}', `variable ${v.name}: ${ds.uid}`);
        }
      });

      it('gives every panel a unit, and every stat and gauge thresholds of its own', () => {
        for (const p of panelsOf(d.json)) {
          if (p.type === 'row' || p.type === 'logs') continue;
          const defaults = (p as Panel).fieldConfig?.defaults;
          assert.ok(defaults?.unit, `${d.uid}: "${p.title}" has no unit`);
          if (!['stat', 'gauge', 'bargauge'].includes(p.type)) continue;
          const steps = defaults.thresholds?.steps ?? [];
          assert.ok(steps.length > 0, `${d.uid}: "${p.title}" has Grafana's default thresholds`);
          assert.equal(steps[0]?.value, null, `${d.uid}: "${p.title}" thresholds need a base`);
        }
      });

      it('shows tables as one frame with named columns', () => {
        for (const p of panelsOf(d.json)) {
          if (p.type !== 'table') continue;
          const panel = p;
          const ids = (panel.transformations ?? []).map((t) => t.id);
          assert.deepEqual(ids, ['merge', 'organize'], `${d.uid}: "${p.title}"`);
          const organize = panel.transformations![1]!.options as {
            renameByName: Record<string, string>;
            excludeByName: Record<string, boolean>;
          };
          assert.equal(organize.excludeByName.Time, true, `${p.title}: shows the query time`);
          const refIds = (panel.targets ?? []).map((t) => (t as { refId?: string }).refId);
          const values = refIds.length === 1 ? ['Value'] : refIds.map((r) => `Value #${r}`);
          for (const value of values) {
            assert.ok(
              organize.renameByName[value],
              `${d.uid}: "${p.title}" leaves ${value} unnamed`,
            );
          }
          // Every label the queries keep is a named column.
          for (const target of panel.targets ?? []) {
            const expr = (target as { expr?: string }).expr ?? '';
            const by = /\bby \(([^)]*)\)/.exec(expr)?.[1];
            assert.ok(
              by,
              `${d.uid}: "${p.title}" query ${(target as { refId?: string }).refId} does not aggregate by its columns`,
            );
            for (const label of by.split(',').map((l) => l.trim())) {
              assert.ok(
                organize.renameByName[label],
                `${d.uid}: "${p.title}" leaves ${label} unnamed`,
              );
            }
          }
        }
      });

      it('links panels to the web pages of their findings', () => {
        if (d.uid === 'plimsoll-pipeline') return;
        const links = panelsOf(d.json).flatMap(
          (p) => (p as Panel).fieldConfig?.defaults?.links ?? [],
        ) as { url?: string }[];
        assert.ok(links.some((l) => l.url?.startsWith('${plimsoll_api}/ui/findings?')));
        // The web pages or another Plimsoll dashboard, never raw JSON: a person follows these.
        const uids = new Set(dashboards.map((other) => other.uid));
        for (const link of links) {
          const target = /^\/d\/([\w-]+)\?/.exec(link.url ?? '')?.[1];
          assert.ok(
            link.url?.startsWith('${plimsoll_api}/ui/') || (target && uids.has(target)),
            `${d.uid}: ${link.url}`,
          );
        }
      });
    });
  }

  it('provisions a file provider and both datasource types', () => {
    assert.equal(provider.providers[0]?.type, 'file');
    assert.ok(provider.providers[0]?.options.path.startsWith('/'));
    assert.deepEqual([...new Set(datasources.datasources.map((ds) => ds.type))].sort(), [
      'elasticsearch',
      'prometheus',
    ]);
  });

  it("shows money in the price book's currency", () => {
    const moneyUnits = (currency: string) =>
      buildDashboards({ currency }).flatMap((d) =>
        panelsOf(d.json).flatMap((p) => {
          const config = (p as Panel).fieldConfig;
          const units = [
            config?.defaults?.unit,
            ...(config?.overrides ?? []).flatMap((o) =>
              o.properties.map((q) => q.value as unknown),
            ),
          ];
          return units.filter((u): u is string => typeof u === 'string' && u.includes(currency));
        }),
      );
    // Grafana formats euros itself; a currency it does not know is shown with its code.
    assert.ok(moneyUnits('EUR').length >= 2);
    assert.ok(moneyUnits('EUR').every((unit) => unit === 'currencyEUR'));
    assert.ok(moneyUnits('CAD').every((unit) => unit === 'suffix: CAD'));
    assert.ok(moneyUnits('CAD').length >= 2);
  });
});
