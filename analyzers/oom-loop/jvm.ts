// What a container's runtime flags say about its heap: a JVM told to use more heap than its
// memory limit dies at start-up however the limit is tuned, and the fix is a flag, not a bigger
// node.

export interface HeapFlags {
  /** -Xmx as bytes, if set. */
  readonly maxHeapBytes?: number;
  readonly maxHeapFlag?: string;
  readonly initialHeapBytes?: number;
  /** -XX:MaxRAMPercentage, if set. */
  readonly maxRamPercentage?: number;
  readonly isJvm: boolean;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A JVM size ("2g", "1536m", "1048576"); undefined when it is not one. */
export function jvmSize(text: string): number | undefined {
  const match = /^(\d+)([kmgt]?)$/i.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[(match[2] ?? '').toLowerCase()] ?? 1);
}

export function heapFlags(hints: readonly string[]): HeapFlags {
  let maxHeapBytes: number | undefined;
  let maxHeapFlag: string | undefined;
  let initialHeapBytes: number | undefined;
  let maxRamPercentage: number | undefined;
  let isJvm = false;
  for (const hint of hints) {
    if (hint.startsWith('-Xmx')) {
      isJvm = true;
      maxHeapBytes = jvmSize(hint.slice(4)) ?? maxHeapBytes;
      maxHeapFlag = hint;
    } else if (hint.startsWith('-Xms')) {
      isJvm = true;
      initialHeapBytes = jvmSize(hint.slice(4)) ?? initialHeapBytes;
    } else if (hint.startsWith('-XX:MaxRAMPercentage=')) {
      isJvm = true;
      const value = Number(hint.slice('-XX:MaxRAMPercentage='.length));
      if (Number.isFinite(value)) maxRamPercentage = value;
    } else if (hint.startsWith('-XX:')) {
      isJvm = true;
    }
  }
  return {
    ...(maxHeapBytes !== undefined && { maxHeapBytes }),
    ...(maxHeapFlag !== undefined && { maxHeapFlag }),
    ...(initialHeapBytes !== undefined && { initialHeapBytes }),
    ...(maxRamPercentage !== undefined && { maxRamPercentage }),
    isJvm,
  };
}
