// Preloaded into a measured process (`node --import`): as it exits, it writes its own CPU time
// and peak resident set to file descriptor 3, which the harness opened as a pipe.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.resourceUsage();
  const report = {
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssBytes: usage.maxRSS * 1024,
  };
  try {
    writeSync(3, JSON.stringify(report));
  } catch {
    // Not started by the harness: nothing to report to.
  }
});
