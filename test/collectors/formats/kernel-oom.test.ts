import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityFromCgroupPath } from '../../../collectors/formats/cgroup-path.js';
import {
  KernelOomAssembler,
  parseKernelOomLine,
  parseKernelOomLog,
} from '../../../collectors/formats/kernel-oom.js';
import { fixture } from './fixtures.js';

const CID = '3eca48f90f5203547bc1f08fc0e3ee50cb3d82d6014d666075d5d9d1ee6efc16';
const UID = '2edfd4d9-10ce-11e8-bd5a-42010af00137';

describe('kernel OOM reports', () => {
  it('reads the node-problem-detector capture (old wording)', () => {
    const { kills, errors } = parseKernelOomLog(fixture('npd-kernel-oom_kill.log'));
    assert.equal(errors, 0);
    assert.deepEqual(kills, [
      {
        pid: 1012,
        process: 'heapster',
        anonRssBytes: 306328 * 1024,
        totalVmBytes: 327128 * 1024,
        fileRssBytes: 11132 * 1024,
        shmemRssBytes: 12345 * 1024,
        scope: 'memcg',
      },
    ]);
  });

  it('joins a 4.19+ oom-kill line to its Killed process line, with pod and container', () => {
    const log = [
      '[1234567.890123] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=969',
      `[1234567.890200] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${CID},mems_allowed=0,oom_memcg=/kubepods/burstable/pod${UID}/${CID},task_memcg=/kubepods/burstable/pod${UID}/${CID},task=java,pid=4321,uid=1000`,
      '[1234567.890300] Memory cgroup out of memory: Killed process 4321 (java) total-vm:5426532kB, anon-rss:1048012kB, file-rss:24308kB, shmem-rss:0kB, UID:1000 pgtables:2604kB oom_score_adj:969',
    ].join('\n');
    const { kills } = parseKernelOomLog(log);
    assert.deepEqual(kills, [
      {
        pid: 4321,
        process: 'java',
        anonRssBytes: 1048012 * 1024,
        totalVmBytes: 5426532 * 1024,
        fileRssBytes: 24308 * 1024,
        shmemRssBytes: 0,
        oomScoreAdj: 969,
        scope: 'memcg',
        constraint: 'CONSTRAINT_MEMCG',
        memcgPath: `/kubepods/burstable/pod${UID}/${CID}`,
        podUid: UID,
        containerId: CID,
      },
    ]);
  });

  it('reads systemd-driver cgroup names with underscores in the uid (journald prefix)', () => {
    const path = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice`;
    const assembler = new KernelOomAssembler();
    assert.equal(
      assembler.push(
        `Mar 03 10:00:00 node-1 kernel: oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-${CID}.scope,mems_allowed=0,oom_memcg=${path},task_memcg=${path}/cri-containerd-${CID}.scope,task=node,pid=77,uid=0`,
      ),
      undefined,
    );
    const kill = assembler.push(
      'Mar 03 10:00:00 node-1 kernel: Memory cgroup out of memory: Killed process 77 (node) total-vm:1000kB, anon-rss:800kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:-997',
    );
    assert.equal(kill?.podUid, UID);
    assert.equal(kill?.containerId, CID);
    assert.equal(kill?.memcgPath, path);
    assert.equal(kill?.oomScoreAdj, -997);
  });

  it('takes the cgroup from an older "Task in" line', () => {
    const { kills } = parseKernelOomLog(
      [
        `Task in /kubepods/pod${UID}/${CID} killed as a result of limit of /kubepods/pod${UID}/${CID}`,
        'Memory cgroup out of memory: Kill process 55 (python) score 1999 or sacrifice child',
        'Killed process 55 (python) total-vm:10kB, anon-rss:8kB, file-rss:1kB',
      ].join('\n'),
    );
    assert.equal(kills.length, 1);
    assert.equal(kills[0]?.podUid, UID);
    assert.equal(kills[0]?.containerId, CID);
    assert.equal(kills[0]?.scope, 'memcg');
    assert.equal(kills[0]?.memcgPath, `/kubepods/pod${UID}/${CID}`);
  });

  it('knows a global OOM from a cgroup one', () => {
    const { kills } = parseKernelOomLog(
      'Out of memory: Killed process 9 (chrome (renderer)) total-vm:20kB, anon-rss:10kB, file-rss:0kB, shmem-rss:0kB',
    );
    assert.equal(kills[0]?.scope, 'global');
    assert.equal(kills[0]?.process, 'chrome (renderer)');
  });

  it('ignores unrelated lines and counts unreadable OOM lines', () => {
    assert.equal(parseKernelOomLine('eth0: link up'), undefined);
    const bad = parseKernelOomLine('Killed process abc (x) total-vm:nope');
    assert.equal(bad?.ok, false);
    const { kills, errors } = parseKernelOomLog(
      ['Killed process abc', 'oom-kill:constraint=CONSTRAINT_NONE', 'usb 1-1: new device'].join(
        '\n',
      ),
    );
    assert.deepEqual(kills, []);
    assert.equal(errors, 2);
  });
});

describe('identityFromCgroupPath', () => {
  const cases: [string, { podUid?: string; containerId?: string }][] = [
    [`/kubepods/burstable/pod${UID}/${CID}`, { podUid: UID, containerId: CID }],
    [`/kubepods/pod${UID}`, { podUid: UID }],
    [
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID.replace(/-/g, '_')}.slice/docker-${CID}.scope`,
      { podUid: UID, containerId: CID },
    ],
    [
      `/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice/crio-${CID}.scope`,
      { podUid: UID, containerId: CID },
    ],
    [
      `kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice:cri-containerd:${CID}`,
      { podUid: UID, containerId: CID },
    ],
    // Static pods: the uid is the 32-hex config hash.
    [
      `/kubepods/burstable/pod5795d0c442cb997ff93c49feeb9f6386/${CID}`,
      { podUid: '5795d0c442cb997ff93c49feeb9f6386', containerId: CID },
    ],
    ['/system.slice/kubelet.service', {}],
    ['testcontainer', {}],
    ['/', {}],
  ];
  for (const [path, expected] of cases) {
    it(path.slice(0, 90), () => assert.deepEqual(identityFromCgroupPath(path), expected));
  }
});
