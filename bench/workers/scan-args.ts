// The scan suite's history, as both of its processes take it from the command line:
//   --nodes N --days D --step-ms MS [--mode scan|raw]
import { parseArgs } from 'node:util';

const DAY = 86_400_000;
/** Where every window starts: a fixed history, the same for every run. */
const START = Date.UTC(2025, 0, 6);

export interface HistoryArgs {
  readonly nodes: number;
  readonly days: number;
  readonly stepMs: number;
  readonly window: { readonly from: number; readonly to: number };
  readonly mode: string | undefined;
  /** The same history, as arguments for another process. */
  readonly argv: string[];
}

export function historyArgs(): HistoryArgs {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string' },
      nodes: { type: 'string' },
      days: { type: 'string' },
      'step-ms': { type: 'string' },
    },
  });
  const nodes = Number(values.nodes);
  const days = Number(values.days);
  const stepMs = Number(values['step-ms']);
  if (!(nodes >= 1) || !(days >= 1) || !(stepMs >= 1_000)) {
    throw new Error('--nodes, --days and --step-ms (at least 1000) are required');
  }
  return {
    nodes,
    days,
    stepMs,
    window: { from: START, to: START + days * DAY },
    mode: values.mode,
    argv: ['--nodes', String(nodes), '--days', String(days), '--step-ms', String(stepMs)],
  };
}
