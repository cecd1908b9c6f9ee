// Within one run, analyzers often ask the store the same question (the misfit and recommendation
// analyzers both read every container's 14-day percentiles and the pod inventory). The shared
// reader asks once and hands each caller its own copy of the answer's list.
import type { AnalysisReader } from './analyzer.js';

function copied<T>(result: T): T {
  if (Array.isArray(result)) return [...result] as T;
  if (result && typeof result === 'object' && 'items' in result && Array.isArray(result.items)) {
    const items: unknown[] = result.items;
    return { ...result, items: [...items] };
  }
  return result;
}

/** A reader for the length of one run: identical queries share one store request. */
export function sharedReader(reader: AnalysisReader): AnalysisReader {
  const answers = new Map<string, Promise<unknown>>();
  const share =
    <Q, R>(name: string, ask: (query: Q) => Promise<R>) =>
    (query: Q): Promise<R> => {
      const key = `${name}:${JSON.stringify(query)}`;
      let answer = answers.get(key) as Promise<R> | undefined;
      if (!answer) {
        answer = ask(query);
        answers.set(key, answer);
        // A failed request is not remembered: the next caller asks again.
        answer.catch(() => answers.delete(key));
      }
      return answer.then(copied);
    };
  return {
    usageStats: share('usageStats', (q: Parameters<AnalysisReader['usageStats']>[0]) =>
      reader.usageStats(q),
    ),
    usageSeries: share('usageSeries', (q: Parameters<AnalysisReader['usageSeries']>[0]) =>
      reader.usageSeries(q),
    ),
    nodeTransitions: share(
      'nodeTransitions',
      (q: Parameters<AnalysisReader['nodeTransitions']>[0]) => reader.nodeTransitions(q),
    ),
    terminations: share('terminations', (q: Parameters<AnalysisReader['terminations']>[0]) =>
      reader.terminations(q),
    ),
    events: share('events', (q: Parameters<AnalysisReader['events']>[0]) => reader.events(q)),
    logLines: share('logLines', (q: Parameters<AnalysisReader['logLines']>[0]) =>
      reader.logLines(q),
    ),
    logTagCounts: share('logTagCounts', (q: Parameters<AnalysisReader['logTagCounts']>[0]) =>
      reader.logTagCounts(q),
    ),
    nodes: share('nodes', (q: Parameters<AnalysisReader['nodes']>[0]) => reader.nodes(q)),
    pods: share('pods', (q: Parameters<AnalysisReader['pods']>[0]) => reader.pods(q)),
  };
}
