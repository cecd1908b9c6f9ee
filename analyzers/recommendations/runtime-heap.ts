// A fixed heap size a runtime was told to use, read from the container's runtime hints. A JVM
// given -Xmx2g will grow its heap to 2 GiB whatever the history shows, so a limit below the heap
// (plus the runtime's own overhead) is an OOM waiting for load; history alone cannot see that when
// every past run died at the old limit.
const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Heap bytes from -Xmx or --max-old-space-size; undefined when none is fixed. */
export function fixedHeapBytes(hints: readonly string[]): number | undefined {
  let heap: number | undefined;
  for (const hint of hints) {
    const jvm = /^-Xmx(\d+)([kKmMgGtT]?)$/.exec(hint);
    const node = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(hint);
    let bytes: number | undefined;
    if (jvm) bytes = Number(jvm[1]) * (UNITS[(jvm[2] ?? '').toLowerCase()] ?? 1);
    else if (node) bytes = Number(node[1]) * 2 ** 20;
    // The last flag wins on a JVM command line, and in practice for Node too.
    if (bytes !== undefined && bytes > 0) heap = bytes;
  }
  return heap;
}
