// Container logs in the kubelet's /var/log/pods layout: <ns>_<pod>_<uid>/<container>/<restart>.log,
// each line `<RFC3339Nano> <stream> <P|F> <message>`, long messages split into 16 KiB partials.
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { VirtualClock } from '../model/clock.js';
import { LogSource, rfc3339Nano, type LogEntry } from '../model/logs.js';
import type { Simulation } from '../model/simulation.js';

/** containerd splits lines longer than 16 KiB into partial (P) records. */
export const CRI_MAX_LINE = 16 * 1024;

export function criLines(entry: LogEntry): string {
  const ts = rfc3339Nano(entry.at, entry.nanos);
  let out = '';
  let rest = entry.message;
  while (rest.length > CRI_MAX_LINE) {
    out += `${ts} ${entry.stream} P ${rest.slice(0, CRI_MAX_LINE)}\n`;
    rest = rest.slice(CRI_MAX_LINE);
  }
  return out + `${ts} ${entry.stream} F ${rest}\n`;
}

/** Writes the last `backfillMs` of logs, then appends as the virtual clock advances. */
export function writeCriLogs(
  sim: Simulation,
  clock: VirtualClock,
  dir: string,
  options: { intervalMs?: number; backfillMs?: number } = {},
): () => void {
  const source = new LogSource(sim);
  let cursor = clock.now() - (options.backfillMs ?? 10 * 60_000);
  let busy = false;
  const flush = async () => {
    const t = clock.now();
    const files = new Map<string, string>();
    for (const view of sim.podsAt(t)) {
      if (view.evicted) continue;
      view.containers.forEach((cv, ci) => {
        if (!cv.run) return;
        const lines = source.lines(view.pod, ci, cv.run, cursor, t);
        if (lines.length === 0) return;
        const file = join(
          dir,
          `${view.slot.workload.namespace}_${view.pod.name}_${view.pod.uid}`,
          cv.model.name,
          `${cv.restartCount}.log`,
        );
        files.set(file, (files.get(file) ?? '') + lines.map(criLines).join(''));
      });
    }
    cursor = t;
    for (const [file, text] of files) {
      await mkdir(join(file, '..'), { recursive: true });
      await appendFile(file, text);
    }
  };
  const tick = () => {
    if (busy) return;
    busy = true;
    flush()
      .catch((error: unknown) => process.stderr.write(`cri logs: ${String(error)}\n`))
      .finally(() => {
        busy = false;
      });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 2000);
  timer.unref();
  return () => clearInterval(timer);
}
