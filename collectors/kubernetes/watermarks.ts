// "Already emitted", two levels deep. In memory: what this run handed to the publisher, so a
// re-list or a repeated watch event emits nothing twice. In the checkpoint: what the bus accepted
// (updated from the publisher's delivery callback, i.e. after the write is durable), so a restart
// resumes from there. A crash between emit and delivery therefore re-emits — at-least-once, with
// deterministic ids downstream — and never skips.
//
// High-water marks come from the objects' own times, never from the collector's clock:
// - node condition: the last (status, lastTransitionTime) per node and condition type;
// - container termination: the last finishedAt per pod uid and container;
// - Event: the highest count per Event uid.
import type {
  ConditionStatus,
  ContainerTermination,
  KubeEvent,
  Node,
  NodeTransition,
} from '../../core/domain.js';
import type { AnyEnvelope } from '../../core/envelope.js';
import type { Checkpoint } from '../checkpoint.js';

interface ConditionMark {
  status: ConditionStatus;
  at: number;
}

const CONDITIONS = 'node-conditions';
const TERMINATIONS = 'terminations';
const EVENTS = 'events';

const containerKey = (podUid: string, container: string) => `${podUid}/${container}`;
const conditionKey = (node: string, condition: string) => `${node}/${condition}`;

export class Watermarks {
  private readonly conditions = new Map<string, ConditionMark>();
  private readonly terminations = new Map<string, number>();
  private readonly events = new Map<string, number>();

  constructor(private readonly checkpoint: Checkpoint) {}

  /** The node as last delivered, for comparing the first observation after a restart. */
  nodeBaseline(current: Node): Node | undefined {
    const conditions: Node['conditions'] = [];
    for (const condition of current.conditions) {
      const mark = this.conditionMark(current.name, condition.type);
      if (mark)
        conditions.push({ type: condition.type, status: mark.status, lastTransitionTime: mark.at });
    }
    return conditions.length > 0 ? { ...current, conditions } : undefined;
  }

  isNewTransition(t: NodeTransition): boolean {
    const key = conditionKey(t.node, t.condition);
    const mark = this.conditionMark(t.node, t.condition);
    if (mark && (t.at < mark.at || (t.at === mark.at && t.to === mark.status))) return false;
    this.conditions.set(key, { status: t.to, at: t.at });
    return true;
  }

  isNewTermination(t: ContainerTermination): boolean {
    const key = containerKey(t.podUid, t.container);
    const mark = this.terminations.get(key) ?? this.checkpoint.get<number>(TERMINATIONS, key) ?? -1;
    if (t.termination.finishedAt <= mark) return false;
    this.terminations.set(key, t.termination.finishedAt);
    return true;
  }

  isNewEvent(e: KubeEvent): boolean {
    const mark = this.events.get(e.uid) ?? this.checkpoint.get<number>(EVENTS, e.uid) ?? 0;
    if (e.count <= mark) return false;
    this.events.set(e.uid, e.count);
    return true;
  }

  /** The pod is gone: its containers cannot terminate again. */
  forgetPod(podUid: string, containers: readonly string[]): void {
    for (const container of containers) {
      const key = containerKey(podUid, container);
      this.terminations.delete(key);
      this.checkpoint.delete(TERMINATIONS, key);
    }
  }

  forgetEvent(uid: string): void {
    this.events.delete(uid);
    this.checkpoint.delete(EVENTS, uid);
  }

  forgetNode(node: string, conditions: readonly string[]): void {
    for (const condition of conditions) {
      const key = conditionKey(node, condition);
      this.conditions.delete(key);
      this.checkpoint.delete(CONDITIONS, key);
    }
  }

  /** Delivery callback: advance the persisted marks for what the bus accepted. */
  delivered(records: readonly AnyEnvelope[]): void {
    for (const record of records) {
      switch (record.kind) {
        case 'node_transition': {
          const t = record.payload;
          const key = conditionKey(t.node, t.condition);
          const mark = this.checkpoint.get<ConditionMark>(CONDITIONS, key);
          if (!mark || t.at >= mark.at)
            this.checkpoint.set(CONDITIONS, key, { status: t.to, at: t.at });
          break;
        }
        case 'container_termination': {
          const t = record.payload;
          const key = containerKey(t.podUid, t.container);
          const mark = this.checkpoint.get<number>(TERMINATIONS, key) ?? -1;
          if (t.termination.finishedAt > mark) {
            this.checkpoint.set(TERMINATIONS, key, t.termination.finishedAt);
          }
          break;
        }
        case 'kube_event': {
          const e = record.payload;
          const mark = this.checkpoint.get<number>(EVENTS, e.uid) ?? 0;
          if (e.count > mark) this.checkpoint.set(EVENTS, e.uid, e.count);
          break;
        }
        default:
          break;
      }
    }
  }

  private conditionMark(node: string, condition: string): ConditionMark | undefined {
    const key = conditionKey(node, condition);
    return this.conditions.get(key) ?? this.checkpoint.get<ConditionMark>(CONDITIONS, key);
  }
}
