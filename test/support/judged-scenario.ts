// A small simulated cluster replayed into a fresh store, with a runner of every analyzer over it:
// what the tests about findings agreeing with each other start from.
import { createAnalyzers } from '../../analyzers/index.js';
import { AnalyzerRunner } from '../../analyzers/runner.js';
import { createSimulation, type Simulation } from '../../simulator/index.js';
import { MemoryStore } from '../../store/memory.js';

export interface JudgedScenario {
  readonly sim: Simulation;
  readonly cluster: string;
  readonly store: MemoryStore;
  readonly runner: AnalyzerRunner;
}

export function judgedScenario(scenario: string, start: number, nodes = 3): JudgedScenario {
  const sim = createSimulation({ scenario, seed: 1, start, nodes });
  const cluster = sim.model.cluster;
  const store = new MemoryStore();
  const runner = new AnalyzerRunner({
    cluster,
    analyzers: createAnalyzers(),
    reader: store,
    findings: store,
  });
  return { sim, cluster, store, runner };
}
