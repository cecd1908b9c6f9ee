// Faults the simulator can be told to inject, so collectors can be tested against a cluster that
// misbehaves: a node's kubelet that accepts connections and never answers (`hang`), or one whose
// bodies are broken (`malformed`). Nothing is injected unless asked: without faults every path
// answers exactly as before. The API server's own restart is not here but on the server
// (`SimulatorServer.restart`), since it is about the listener, not about what a path answers.

/** What a faulty kubelet does, on both the node-proxy and the direct `/kubelet/{node}` paths. */
export type KubeletFault = 'hang' | 'malformed';

export const KUBELET_FAULTS: readonly KubeletFault[] = ['hang', 'malformed'];

export function isKubeletFault(value: unknown): value is KubeletFault {
  return (KUBELET_FAULTS as readonly unknown[]).includes(value);
}

/** Per-node kubelet faults, consulted by the server on every kubelet request. */
export class Faults {
  private readonly kubelets = new Map<string, KubeletFault>();

  constructor(
    /** Names of the simulated nodes; a fault for any other name is a mistake and throws. */
    private readonly nodes: readonly string[],
  ) {}

  /** Sets the fault of one node's kubelet; `undefined` makes it answer normally again. */
  setKubelet(node: string, fault: KubeletFault | undefined): void {
    if (!this.nodes.includes(node)) throw new Error(`no simulated node named ${node}`);
    if (fault === undefined) this.kubelets.delete(node);
    else if (isKubeletFault(fault)) this.kubelets.set(node, fault);
    else
      throw new Error(
        `unknown kubelet fault ${String(fault)}: one of ${KUBELET_FAULTS.join(', ')}`,
      );
  }

  kubelet(node: string): KubeletFault | undefined {
    return this.kubelets.get(node);
  }

  /** Every fault in force, by node. */
  snapshot(): { kubelets: Record<string, KubeletFault> } {
    return { kubelets: Object.fromEntries(this.kubelets) };
  }

  clear(): void {
    this.kubelets.clear();
  }
}

/** Labels of the probe samples a malformed exposition carries; no real container has them. */
export const FAULT_PROBE_NAMESPACE = 'fault-injection';

const PROBE_FAMILY = 'container_memory_working_set_bytes';

/**
 * A kubelet exposition broken the ways real ones break, around the well-formed lines it keeps:
 * a line that is no metric at all, a family of an unknown type, samples valued NaN and +Inf, a
 * line cut inside its label set, a value that is no number, and a body cut short — the last
 * labelled sample loses the end of its label set and everything after it. Every other line is
 * kept as it was, so a tolerant reader still gets them.
 */
export function malformedExposition(body: string): string {
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const probe = (container: string) =>
    `${PROBE_FAMILY}{container="${container}",namespace="${FAULT_PROBE_NAMESPACE}",pod="fault-probe"}`;
  const broken = [
    `${probe('not-a-number')} NaN`,
    `${probe('infinite')} +Inf`,
    `${PROBE_FAMILY}{container="cut-short",namespace="${FAULT_PROBE_NAMESPACE}",po`,
    'this line is not a metric',
    `${probe('bad-value')} 12x34`,
  ];
  const typeLine = lines.findIndex((l) => l === `# TYPE ${PROBE_FAMILY} gauge`);
  // The probes go inside the family's block, where a reader expects its samples.
  lines.splice(typeLine >= 0 ? typeLine + 1 : 0, 0, ...broken);
  lines.unshift('# TYPE fault_probe_info flibbertigibbet', 'fault_probe_info 1');
  let last = lines.length - 1;
  while (last >= 0 && !/^[a-zA-Z_:][a-zA-Z0-9_:]*\{/.test(lines[last]!)) last--;
  if (last < 0) return `${lines.join('\n')}\n`;
  const line = lines[last]!;
  // Cut inside the first label value: no reader can take the line for a whole sample.
  const cut = line.indexOf('="') + 3;
  return `${lines.slice(0, last).join('\n')}\n${line.slice(0, cut)}`;
}

/** A JSON body cut in half (the connection dropped mid-body). */
export function truncatedJson(body: string): string {
  return body.slice(0, Math.floor(body.length / 2));
}
