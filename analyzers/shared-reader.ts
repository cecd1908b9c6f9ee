// Within one run, analyzers often ask the store the same question (the misfit and recommendation
// analyzers both read every container's 14-day percentiles and the pod inventory). The shared
// reader asks once and hands each caller its own copy of the answer's list.
import type { AnalysisReader } from './analyzer.js';

type Method = (query: never) => Promise<unknown>;

function copied<T>(result: T): T {
  if (Array.isArray(result)) return [...result] as T;
  if (result && typeof result === 'object' && 'items' in result && Array.isArray(result.items)) {
    return { ...result, items: [...result.items] } as T;
  }
  return result;
}

/** A reader for the length of one run: identical queries share one store request. */
export function sharedReader(reader: AnalysisReader): AnalysisReader {
  const answers = new Map<string, Promise<unknown>>();
  const share = <M extends Method>(name: string, method: M): M =>
    ((query: Parameters<M>[0]) => {
      const key = `${name}:${JSON.stringify(query)}`;
      let answer = answers.get(key);
      if (!answer) {
        answer = method.call(reader, query);
        answers.set(key, answer);
        // A failed request is not remembered: the next caller asks again.
        answer.catch(() => answers.delete(key));
      }
      return answer.then(copied);
    }) as M;
  return {
    usageStats: share('usageStats', reader.usageStats),
    usageSeries: share('usageSeries', reader.usageSeries),
    nodeTransitions: share('nodeTransitions', reader.nodeTransitions),
    terminations: share('terminations', reader.terminations),
    events: share('events', reader.events),
    logLines: share('logLines', reader.logLines),
    nodes: share('nodes', reader.nodes),
    pods: share('pods', reader.pods),
  };
}
