// Flap counting on constructed transitions: a reboot flips once, memory-pressure cycles flap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeTransition } from '../../../core/domain.js';
import { flappingEpisodes, flapsOf } from '../../../analyzers/flapping/flaps.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 6, 9);

const t = (
  at: number,
  condition: string,
  from: NodeTransition['from'],
  to: NodeTransition['to'],
): NodeTransition => ({
  cluster: 'c',
  node: 'n1',
  condition,
  from,
  to,
  at,
});

/** What a reboot looks like: every condition Unknown, then back, Ready via False. */
function reboot(at: number): NodeTransition[] {
  return [
    t(at, 'Ready', 'True', 'Unknown'),
    t(at, 'MemoryPressure', 'False', 'Unknown'),
    t(at, 'DiskPressure', 'False', 'Unknown'),
    t(at + 2 * MIN, 'MemoryPressure', 'Unknown', 'False'),
    t(at + 2 * MIN, 'Ready', 'Unknown', 'False'),
    t(at + 2.5 * MIN, 'Ready', 'False', 'True'),
  ];
}

/** One memory-pressure cycle: pressure, kubelet killed, back. */
function cycle(at: number): NodeTransition[] {
  return [
    t(at, 'MemoryPressure', 'False', 'True'),
    t(at + MIN, 'Ready', 'True', 'Unknown'),
    t(at + MIN, 'MemoryPressure', 'True', 'Unknown'),
    t(at + 3 * MIN, 'MemoryPressure', 'Unknown', 'False'),
    t(at + 3 * MIN, 'Ready', 'Unknown', 'False'),
    t(at + 3.5 * MIN, 'Ready', 'False', 'True'),
  ];
}

describe('flaps and flapping episodes', () => {
  it('counts a reboot as one flap and never as an episode', () => {
    const flaps = flapsOf(reboot(T0), 5 * MIN);
    assert.equal(flaps.length, 1);
    assert.deepEqual(flappingEpisodes(flaps, 3, 120 * MIN), []);
  });

  it('ignores the first observation of a node', () => {
    assert.equal(
      flapsOf(
        [t(T0, 'Ready', 'Absent', 'True'), t(T0, 'MemoryPressure', 'Absent', 'True')],
        5 * MIN,
      ).length,
      0,
    );
  });

  it('finds an episode in four pressure cycles 15 minutes apart', () => {
    const transitions = [0, 15, 30, 45].flatMap((m) => cycle(T0 + m * MIN));
    const flaps = flapsOf(transitions, 5 * MIN);
    assert.equal(flaps.length, 4);
    assert.ok(flaps.every((f) => f.memoryPressure && f.notReady));
    const [episode, ...rest] = flappingEpisodes(flaps, 3, 120 * MIN);
    assert.equal(rest.length, 0);
    assert.equal(episode?.start, T0);
    assert.equal(episode?.flaps.length, 4);
  });

  it('does not join three reboots on three days into an episode', () => {
    const transitions = [0, 1, 2].flatMap((d) => reboot(T0 + d * 24 * 60 * MIN));
    assert.deepEqual(flappingEpisodes(flapsOf(transitions, 5 * MIN), 3, 120 * MIN), []);
  });
});
