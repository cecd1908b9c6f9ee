// Progress of a scan's history read, on stderr: a bar redrawn in place on a terminal, a plain line
// every tenth of the way (at most) when stderr is a file or a pipe, so CI logs stay short.
import type { ScanProgress } from './run.js';

const WIDTH = 24;

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressLine(p: ScanProgress): string {
  const share = Math.min(1, p.doneMs / p.totalMs);
  const filled = Math.round(share * WIDTH);
  const perSecond = p.elapsedMs > 0 ? Math.round((p.records / p.elapsedMs) * 1000) : 0;
  const eta =
    share > 0 && share < 1 ? ` · ETA ${duration((p.elapsedMs / share) * (1 - share))}` : '';
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.round(share * 100)}% · ` +
    `${(p.doneMs / 86_400_000).toFixed(1)} of ${(p.totalMs / 86_400_000).toFixed(1)} days · ` +
    `${p.records.toLocaleString('en-US')} records (${perSecond.toLocaleString('en-US')}/s)${eta}`
  );
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): {
  update: (p: ScanProgress) => void;
  end: () => void;
} {
  let lastTenth = -1;
  let drawn = false;
  return {
    update(p) {
      if (stream.isTTY) {
        stream.write(`\r${progressLine(p)}\x1b[K`);
        drawn = true;
        return;
      }
      const tenth = Math.floor((p.doneMs / p.totalMs) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`reading history: ${progressLine(p)}\n`);
      }
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}
