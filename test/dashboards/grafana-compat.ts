// What a Grafana release's dashboard schema declares, read from that release's @grafana/schema
// (installed under an alias: grafana-schema-10.4, grafana-schema-11.6): the property names of
// each interface, `extends` followed. A dashboard field that release does not declare is one its
// Grafana ignores or drops, so the dashboards are checked field by field against it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GRAFANA_RELEASES = ['10.4', '11.6'] as const;
export type GrafanaRelease = (typeof GRAFANA_RELEASES)[number];

const MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));

/** Panel type → the folder of its options and field config in @grafana/schema's raw types. */
const PANEL_FOLDERS: Record<string, string> = {
  stat: 'stat',
  timeseries: 'timeseries',
  table: 'table',
  logs: 'logs',
  'state-timeline': 'statetimeline',
  bargauge: 'bargauge',
  gauge: 'gauge',
  text: 'text',
};

interface Declared {
  readonly own: string[];
  readonly parents: string[];
}

/** Interfaces of one declaration file: their own property names and what they extend. */
function interfacesOf(text: string): Map<string, Declared> {
  const found = new Map<string, Declared>();
  const pattern = /^export interface (\w+)(?:<[^>]*>)?\s*(?:extends ([^{]+))?\{$([\s\S]*?)^\}$/gm;
  for (const match of text.matchAll(pattern)) {
    const [, name, parents, body] = match;
    const own = [...body!.matchAll(/^ {4}(?:readonly )?['"]?([\w$-]+)['"]?\??:/gm)].map(
      (m) => m[1]!,
    );
    found.set(name!, { own, parents: splitParents(parents ?? '') });
  }
  return found;
}

/** `A, common.B, Omit<C, 'x'>` → [A, B, C] (an Omit's dropped keys are never ours to use). */
function splitParents(text: string): string[] {
  return text
    .split(/,(?![^<]*>)/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => (/^Omit<\s*([\w.]+)/.exec(part)?.[1] ?? part).replace(/^\w+\./, ''));
}

export class GrafanaSchema {
  private readonly common: Map<string, Declared>;
  private readonly dashboard: Map<string, Declared>;
  private readonly panels = new Map<string, Map<string, Declared>>();
  private readonly raw: string;

  constructor(readonly release: GrafanaRelease) {
    const root = join(MODULES, `grafana-schema-${release}`, 'dist', 'esm');
    this.raw = join(root, 'raw');
    this.common = interfacesOf(readFileSync(join(root, 'common', 'common.gen.d.ts'), 'utf8'));
    this.dashboard = interfacesOf(
      readFileSync(join(this.raw, 'dashboard', 'x', 'dashboard_types.gen.d.ts'), 'utf8'),
    );
  }

  /** Property names of a dashboard-schema interface (Dashboard, Panel, VariableModel, ...). */
  dashboardFields(name: string): Set<string> {
    return this.fields(name, this.dashboard);
  }

  /** Property names of a panel type's `Options` or `FieldConfig` (its custom field config). */
  panelFields(panelType: string, name: 'Options' | 'FieldConfig'): Set<string> | undefined {
    const types = this.panelTypes(panelType);
    return types?.has(name) ? this.fields(name, types) : undefined;
  }

  /**
   * Property names of the Prometheus or Elasticsearch query of this release; undefined where the
   * release no longer publishes it in @grafana/schema (11.x moved Prometheus' into its plugin).
   */
  queryFields(datasourceType: string): Set<string> | undefined {
    const plugin = datasourceType === 'elasticsearch' ? 'Elasticsearch' : 'Prometheus';
    const file = join(
      this.raw,
      'composable',
      plugin.toLowerCase(),
      'dataquery',
      'x',
      `${plugin}DataQuery_types.gen.d.ts`,
    );
    if (!existsSync(file)) return undefined;
    return this.fields(`${plugin}DataQuery`, interfacesOf(readFileSync(file, 'utf8')));
  }

  private panelTypes(panelType: string): Map<string, Declared> | undefined {
    const folder = PANEL_FOLDERS[panelType];
    if (!folder) return undefined;
    let types = this.panels.get(folder);
    if (!types) {
      const dir = join(this.raw, 'composable', folder, 'panelcfg', 'x');
      const file = readdirSync(dir).find((f) => f.endsWith('_types.gen.d.ts'))!;
      types = interfacesOf(readFileSync(join(dir, file), 'utf8'));
      this.panels.set(folder, types);
    }
    return types;
  }

  private fields(name: string, local: Map<string, Declared>): Set<string> {
    const out = new Set<string>();
    const visit = (interfaceName: string, scope: Map<string, Declared>) => {
      const declared = scope.get(interfaceName) ?? this.common.get(interfaceName);
      if (!declared) return;
      for (const field of declared.own) out.add(field);
      for (const parent of declared.parents) visit(parent, scope);
    };
    visit(name, local);
    return out;
  }
}
