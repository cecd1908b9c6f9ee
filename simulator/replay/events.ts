// Kubernetes Events of a simulated cluster, as an event watch delivers them: each Event object
// whose count or lastTimestamp changed within the chunk, rendered to core/v1 JSON and mapped by
// the production mapper. Within one chunk only an Event's latest count is seen, like a watch that
// coalesces updates.
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { mapEvent } from '../../collectors/formats/kube-objects.js';
import { EVENT_TTL_MS, eventsAt } from '../model/events.js';
import type { Simulation } from '../model/simulation.js';
import { renderEvent } from '../render/events.js';

export function eventRecords(
  sim: Simulation,
  cluster: string,
  source: string,
  from: number,
  to: number,
): AnyEnvelope[] {
  const out: AnyEnvelope[] = [];
  // An Event not repeated for an hour expires, so the chunk plus that TTL is all that can change.
  for (const event of eventsAt(sim, to - 1, to - from + EVENT_TTL_MS)) {
    if (event.lastTimestamp < from || event.lastTimestamp >= to) continue;
    const mapped = mapEvent(renderEvent(event, '1'), cluster);
    if (mapped.ok)
      out.push(envelope('kube_event', mapped.value, source, Math.floor(event.lastTimestamp)));
  }
  return out;
}
