// History as an OpenMetrics file for `promtool tsdb create-blocks-from openmetrics`: the series a
// real cluster's kube-state-metrics, kubelet cAdvisor and node-exporter expose, scraped every step.
// Every family is one contiguous block, every series in time order, timestamps in seconds, `# EOF`
// at the end. Families are written one after another, each in one pass over the model, and text
// streams out with backpressure (see openmetrics/writer.ts), so memory does not grow with the
// window. The pieces live in ./openmetrics/.
import type { Writable } from 'node:stream';
import type { Simulation } from '../model/simulation.js';
import { writeCadvisorFamilies } from './openmetrics/cadvisor.js';
import type { ExportContext } from './openmetrics/context.js';
import { writeContainerFamilies } from './openmetrics/ksm-containers.js';
import { writeNodeFamilies } from './openmetrics/ksm-nodes.js';
import { writePodFamilies } from './openmetrics/ksm-pods.js';
import { writeWorkloadFamilies } from './openmetrics/ksm-workloads.js';
import { DownTimes } from './openmetrics/node-life.js';
import { writeNodeExporterFamilies } from './openmetrics/node-exporter.js';
import { resolveOptions, type ExportOptions } from './openmetrics/options.js';
import { OpenMetricsWriter, type ExportSummary } from './openmetrics/writer.js';

export {
  NODE_EXPORTER_FAMILIES,
  OMITTABLE_FAMILIES,
  type CadvisorLabels,
  type ExportOptions,
  type KsmVersion,
} from './openmetrics/options.js';
export type { ExportSummary } from './openmetrics/writer.js';

export async function exportOpenMetrics(
  sim: Simulation,
  out: Writable,
  options: ExportOptions,
): Promise<ExportSummary> {
  const opts = resolveOptions(options);
  const grid = { from: opts.from, to: opts.to, step: opts.step };
  const w = new OpenMetricsWriter(out);
  const ctx: ExportContext = { sim, w, grid, opts, down: new DownTimes(sim, grid.from, grid.to) };
  await writeNodeFamilies(ctx);
  await writePodFamilies(ctx);
  await writeContainerFamilies(ctx);
  await writeWorkloadFamilies(ctx);
  await writeCadvisorFamilies(ctx);
  await writeNodeExporterFamilies(ctx);
  return w.end();
}
