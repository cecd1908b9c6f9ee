// vega-lite spec → SVG text on the server: compile to vega, run a headless View (renderer
// 'none': no canvas, no browser, no DOM) and serialise its scenegraph with toSVG(). Text is
// measured by vega's estimate when no canvas package is installed, good enough for labels.
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { ChartSpec } from './charts.js';

export interface RenderedChart {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly svg: string;
}

/** Renders one chart; ids inside the SVG are prefixed so several can share one HTML page. */
export async function renderSvg(chart: ChartSpec): Promise<RenderedChart> {
  const { spec } = compile(chart.spec);
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    const raw = await view.toSVG();
    const svg = raw
      .replace(/\bid="([^"]+)"/g, `id="${chart.id}-$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${chart.id}-$1)`)
      .replace('<svg ', `<svg role="img" aria-label="${escapeAttribute(chart.title)}" `);
    return { id: chart.id, title: chart.title, caption: chart.caption, svg };
  } finally {
    view.finalize();
  }
}

export async function renderCharts(charts: readonly ChartSpec[]): Promise<RenderedChart[]> {
  const rendered: RenderedChart[] = [];
  for (const chart of charts) rendered.push(await renderSvg(chart));
  return rendered;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
