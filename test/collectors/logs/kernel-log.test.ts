// The node-logs collector reading the node's kernel log: each OOM-killer report becomes an
// OOMKilling event on the node naming the pod (from its cgroup path and this node's pod log
// directories), at the time its syslog stamp says; what the log held before the collector first
// ran is not reported, and a restart from the checkpoint neither loses nor repeats a kill.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Subscription } from '../../../bus/bus.js';
import type { Collector } from '../../../collectors/collector.js';
import { logsFactory } from '../../../collectors/logs/factory.js';
import { KernelLogReader, kernelLineTime } from '../../../collectors/logs/kernel-log.js';
import { Topics, type AnyEnvelope, type Envelope } from '../../../core/envelope.js';
import { fixture } from '../formats/fixtures.js';
import { waitFor } from '../../support/wait.js';
import { memoryPipeline } from '../support.js';

const UID = '6a1c1e6e-3b54-4f1e-9d6a-0c2b7a7d0f11';
const CID = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const MEMCG = `/kubepods/burstable/pod${UID}/${CID}`;

/** A 4.19+ report of a kill at a container's limit, as rsyslog writes it with RFC 3339 stamps. */
function memcgKill(at: string, pid: number): string {
  return [
    `${at} node-a kernel: oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${CID},mems_allowed=0,oom_memcg=${MEMCG},task_memcg=${MEMCG},task=java,pid=${pid},uid=1000`,
    `${at} node-a kernel: Memory cgroup out of memory: Killed process ${pid} (java) total-vm:5426532kB, anon-rss:1048012kB, file-rss:24308kB, shmem-rss:0kB, UID:1000 pgtables:2604kB oom_score_adj:969`,
    '',
  ].join('\n');
}

describe('kernel log OOM kills', () => {
  it('reads the time of a line from its syslog stamp, with or without a year', () => {
    const now = Date.UTC(2026, 0, 2, 12);
    assert.equal(
      kernelLineTime('2026-01-02T10:00:01.5+00:00 node-a kernel: x', now),
      Date.UTC(2026, 0, 2, 10, 0, 1, 500),
    );
    assert.equal(
      kernelLineTime('Jan  2 10:00:01 node-a kernel: x', now),
      Date.UTC(2026, 0, 2, 10, 0, 1),
    );
    // A December line read on the 2nd of January is last year's.
    assert.equal(
      kernelLineTime('Dec 31 23:59:59 node-a kernel: x', now),
      Date.UTC(2025, 11, 31, 23, 59, 59),
    );
    assert.equal(kernelLineTime('[12345.678] Killed process 1 (x)', now), undefined);
  });

  it('reads whole lines only: a report half written when reading stops is read whole later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plimsoll-kernel-read-'));
    try {
      const path = join(dir, 'kern.log');
      const report = memcgKill('2026-01-02T12:00:00.000000+00:00', 4500);
      const cut = report.length - 40;
      writeFileSync(path, report.slice(0, cut));
      const now = Date.UTC(2026, 0, 2, 13);
      const readAll = async (reader: KernelLogReader, from: number) => {
        const handle = await open(path, 'r');
        try {
          return await reader.read(handle, from, (await handle.stat()).size, 1 << 20, now);
        } finally {
          await handle.close();
        }
      };
      const first = await readAll(new KernelLogReader(), 0);
      assert.deepEqual(first.kills, []);
      assert.equal(first.offset, report.indexOf('\n') + 1, 'the offset of the unfinished line');
      assert.equal(first.more, false);
      // A restart resumes at that offset, with a reader of its own.
      appendFileSync(path, report.slice(cut));
      const second = await readAll(new KernelLogReader(), first.offset);
      assert.equal(second.kills.length, 1);
      assert.equal(second.kills[0]?.kill.pid, 4500);
      assert.equal(second.offset, report.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('through the node-logs collector', () => {
    const root = mkdtempSync(join(tmpdir(), 'plimsoll-kernel-'));
    const pods = join(root, 'pods');
    const kernelLog = join(root, 'kern.log');
    const checkpointFile = join(root, 'state', 'logs.json');
    const { bus, publisher, deps } = memoryPipeline();
    const received: AnyEnvelope[] = [];
    let subscription: Subscription;
    const events = () =>
      received
        .filter((r): r is Envelope<'kube_event'> => r.kind === 'kube_event')
        .map((r) => r.payload);
    const collector = ({ nodeName }: { nodeName: string | undefined }): Collector =>
      logsFactory.create(
        {
          ...logsFactory.defaultConfig,
          source: 'files',
          root: pods,
          pollIntervalMs: 20,
          nodeName,
          kernelLog,
          checkpointFile,
          stopFlushMs: 5_000,
        },
        deps,
      );

    before(async () => {
      mkdirSync(join(pods, `shop_cart-7d9f8-x2k4q_${UID}`, 'cart'), { recursive: true });
      // What the log held before the collector first ran: its past, not reported.
      writeFileSync(kernelLog, memcgKill('2026-01-02T09:00:00.000000+00:00', 11));
      await bus.start();
      subscription = await bus.subscribe({
        group: 'test',
        topics: [Topics.events],
        handler: (messages) => {
          for (const m of messages)
            received.push(JSON.parse(m.value.toString('utf8')) as AnyEnvelope);
          return Promise.resolve();
        },
      });
      await publisher.start();
    });

    after(async () => {
      await subscription?.stop();
      await publisher.stop();
      await bus.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it('reports each kill once, on the node, naming the pod; a restart resumes where it was', async () => {
      const idle = (c: Collector) => (c as unknown as { idlePolls: number }).idlePolls;
      const started = async () => {
        const c = collector({ nodeName: 'node-a' });
        await c.start();
        // Its first poll has found where the log ends: from here on, lines are new.
        await waitFor(
          () => idle(c),
          (polls) => polls >= 1,
          {
            what: 'the first poll',
            timeoutMs: 10_000,
          },
        );
        return c;
      };
      let running = await started();
      try {
        appendFileSync(kernelLog, memcgKill('2026-01-02T10:00:01.250000+00:00', 4321));
        // The older wording, from node-problem-detector's captured kernel log (no stamp).
        appendFileSync(kernelLog, fixture('npd-kernel-oom_kill.log'));
        await waitFor(events, (list) => list.length >= 2, {
          what: 'two OOMKilling events',
          timeoutMs: 10_000,
        });
        const [memcg, npd] = events();
        assert.equal(memcg?.reason, 'OOMKilling');
        assert.deepEqual(memcg?.involvedObject, { kind: 'Node', name: 'node-a' });
        assert.equal(memcg?.sourceHost, 'node-a');
        assert.equal(memcg?.lastTimestamp, Date.UTC(2026, 0, 2, 10, 0, 1, 250));
        assert.match(
          memcg?.message ?? '',
          /Killed process 4321 \(java\) in pod shop\/cart-7d9f8-x2k4q/,
        );
        assert.match(npd?.message ?? '', /Killed process 1012 \(heapster\)/);
        assert.ok(!events().some((e) => e.message.includes('process 11 ')), 'the past is not sent');

        await running.stop();
        appendFileSync(kernelLog, memcgKill('2026-01-02T11:00:00.000000+00:00', 4400));
        running = await started();
        await waitFor(events, (list) => list.length >= 3, {
          what: 'the kill written while the collector was down',
          timeoutMs: 10_000,
        });
        // Settled: a few more polls bring nothing more.
        const settled = running;
        await waitFor(
          () => idle(settled),
          (polls) => polls >= 3,
          {
            what: 'the collector idle',
            timeoutMs: 10_000,
          },
        );
        assert.deepEqual(
          events().map((e) => e.message.match(/Killed process (\d+)/)?.[1]),
          ['4321', '1012', '4400'],
          'each kill once',
        );
      } finally {
        await running.stop();
      }
    });

    it('refuses to start without the node the kills are reported on', async () => {
      await assert.rejects(
        collector({ nodeName: undefined }).start(),
        /kernelLog needs the node name/,
      );
    });
  });
});
