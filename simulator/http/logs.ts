// GET /api/v1/namespaces/{ns}/pods/{pod}/log: container output with the API's parameters
// (container, previous, sinceSeconds, sinceTime, tailLines, timestamps, limitBytes, follow).
import type { ServerResponse } from 'node:http';
import { LogSource, rfc3339Nano, type LogEntry } from '../model/logs.js';
import type { Run } from '../model/pod-timeline.js';
import type { PodView, Simulation } from '../model/simulation.js';
import { statusBody } from '../render/status.js';
import { sendStatus } from './list-watch.js';

export interface LogFollower {
  /** Writes lines up to t; returns false once the follower is finished. */
  advance: (t: number) => boolean;
  end: () => void;
}

export function serveLogs(
  sim: Simulation,
  view: PodView | undefined,
  podName: string,
  res: ServerResponse,
  params: URLSearchParams,
  now: number,
): LogFollower | undefined {
  if (!view) {
    sendStatus(
      res,
      statusBody(404, 'NotFound', `pods "${podName}" not found`, { name: podName, kind: 'pods' }),
    );
    return undefined;
  }
  const containers = view.slot.workload.containers;
  const requested = params.get('container');
  let ci = 0;
  if (requested) {
    ci = containers.findIndex((c) => c.name === requested);
    if (ci < 0) {
      sendStatus(
        res,
        statusBody(400, 'BadRequest', `container ${requested} is not valid for pod ${podName}`),
      );
      return undefined;
    }
  } else if (containers.length > 1) {
    sendStatus(
      res,
      statusBody(
        400,
        'BadRequest',
        `a container name must be specified for pod ${podName}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
      ),
    );
    return undefined;
  }
  const containerName = containers[ci]?.name ?? '';
  const runs = sim.pods.runs(view.pod, ci, now).filter((r) => r.start <= now);
  const last = runs[runs.length - 1];
  const previous = params.get('previous') === 'true';
  let run: Run | undefined;
  if (previous) {
    run = last && last.end <= now ? last : runs[runs.length - 2];
    if (!run) {
      sendStatus(
        res,
        statusBody(
          400,
          'BadRequest',
          `previous terminated container "${containerName}" in pod "${podName}" not found`,
        ),
      );
      return undefined;
    }
  } else {
    run = last;
    if (!run) {
      sendStatus(
        res,
        statusBody(
          400,
          'BadRequest',
          `container "${containerName}" in pod "${podName}" is waiting to start: ContainerCreating`,
        ),
      );
      return undefined;
    }
  }
  let from = -Infinity;
  const sinceSeconds = Number(params.get('sinceSeconds') ?? 'NaN');
  if (Number.isFinite(sinceSeconds) && sinceSeconds > 0) from = now - sinceSeconds * 1000;
  const sinceTime = params.get('sinceTime');
  if (sinceTime) {
    const parsed = Date.parse(sinceTime);
    if (Number.isNaN(parsed)) {
      sendStatus(res, statusBody(400, 'BadRequest', `invalid sinceTime: ${sinceTime}`));
      return undefined;
    }
    from = parsed;
  }
  const tail = Number(params.get('tailLines') ?? 'NaN');
  const useTail = Number.isInteger(tail) && tail >= 0;
  const timestamps = params.get('timestamps') === 'true';
  const limitBytes = Number(params.get('limitBytes') ?? 'NaN');
  let budget = Number.isFinite(limitBytes) && limitBytes > 0 ? limitBytes : Infinity;
  const source = new LogSource(sim);
  const format = (e: LogEntry) =>
    `${timestamps ? `${rfc3339Nano(e.at, e.nanos)} ` : ''}${e.message}\n`;
  const write = (entries: LogEntry[]) => {
    let text = '';
    for (const e of entries) text += format(e);
    if (text.length > budget) text = text.slice(0, budget);
    budget -= text.length;
    if (text) res.write(text);
  };
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  const upTo = now + 1;
  write(source.lines(view.pod, ci, run, from, upTo, useTail ? tail : Infinity, useTail));
  if (params.get('follow') !== 'true' || run.end <= now || budget <= 0) {
    res.end();
    return undefined;
  }
  let cursor = upTo;
  const current = run;
  return {
    advance: (t: number) => {
      write(source.lines(view.pod, ci, current, cursor, t + 1));
      cursor = t + 1;
      if (current.end <= t || budget <= 0) {
        res.end();
        return false;
      }
      return true;
    },
    end: () => res.end(),
  };
}
