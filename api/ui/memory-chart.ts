// One container's memory working set over the window, with its OOM kills and the memory limit
// (dashed): the picture of a leak (a ramp to the limit, a kill, a drop) or of a spike. A few kills
// are red rules at their instants; many (a start-up loop dies every minute) would paint the chart
// solid, so they become a panel of kills per bucket under the memory line. Rendered to SVG on the
// server by the report's renderer, so the page runs no script.
import type { TopLevelSpec } from 'vega-lite';
import type { ContainerTermination, TimeWindow } from '../../core/domain.js';
import { chartConfig, type ChartSpec } from '../../reports/charts.js';
import type { SeriesPoint } from '../../store/store.js';

const MIB = 2 ** 20;
const DAY = 86_400_000;
/** Above this many kills, rules at each instant stop being readable. */
export const MAX_KILL_RULES = 60;

export interface MemoryChartInput {
  readonly container: string;
  readonly window: TimeWindow;
  readonly stepMs: number;
  readonly points: readonly SeriesPoint[];
  readonly kills: readonly ContainerTermination[];
  readonly limitBytes: number | undefined;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function memoryChart(input: MemoryChartInput, id: string): ChartSpec {
  const { window, stepMs } = input;
  const series = input.points.map((p) => ({ t: p.t, mib: Math.round(p.max / MIB) }));
  const killTimes = input.kills.map((k) => k.termination.finishedAt);
  const limit = input.limitBytes === undefined ? [] : [{ mib: Math.round(input.limitBytes / MIB) }];
  const format = window.to - window.from > 2 * DAY ? '%b %d' : '%H:%M';
  const x = {
    field: 't',
    type: 'temporal' as const,
    title: null,
    scale: { type: 'utc' as const, domain: [window.from, window.to] },
    axis: { format, labelOverlap: true },
  };
  const rules = killTimes.length <= MAX_KILL_RULES;
  const memoryLayers = [
    ...(rules
      ? [
          {
            data: { values: killTimes.map((t) => ({ t })) },
            mark: { type: 'rule' as const, color: '#c0392b', strokeWidth: 1.2, opacity: 0.8 },
            encoding: { x },
          },
        ]
      : []),
    {
      data: { values: limit },
      mark: { type: 'rule' as const, color: '#e08e0b', strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: { y: { field: 'mib', type: 'quantitative' as const } },
    },
    {
      data: { values: series },
      mark: { type: 'line' as const, strokeWidth: 1.5, color: '#1f4e79' },
      encoding: { x, y: { field: 'mib', type: 'quantitative' as const, title: 'MiB' } },
    },
  ];
  const memoryPanel = { width: 1000, height: 200, layer: memoryLayers };
  const perBucket = new Map<number, number>();
  for (const t of killTimes) {
    const bucket = window.from + Math.floor((t - window.from) / stepMs) * stepMs;
    perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
  }
  const killPanel = {
    width: 1000,
    height: 60,
    data: { values: [...perBucket].map(([t, kills]) => ({ t, kills })) },
    mark: { type: 'bar' as const, color: '#c0392b' },
    encoding: {
      x,
      y: { field: 'kills', type: 'quantitative' as const, title: 'kills', axis: { tickCount: 2 } },
    },
  };
  const spec: TopLevelSpec = rules
    ? {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        config: chartConfig,
        ...memoryPanel,
      }
    : {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        config: chartConfig,
        vconcat: [memoryPanel, killPanel],
        resolve: { scale: { x: 'shared' } },
      };
  const limitText = limit.length
    ? 'the dashed line is the current memory limit'
    : 'the container has no memory limit';
  return {
    id,
    title: `Memory of ${input.container} (MiB)`,
    caption: rules
      ? `Working set, the highest sample per ${bucketText(stepMs)}; red rules are the ${plural(killTimes.length, 'OOM kill')} of the window; ${limitText}.`
      : `Working set, the highest sample per ${bucketText(stepMs)}; ${limitText}. Below: the ${plural(killTimes.length, 'OOM kill')} of the window per ${bucketText(stepMs)}.`,
    spec,
  };
}

function bucketText(stepMs: number): string {
  const minutes = Math.round(stepMs / 60_000);
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}
