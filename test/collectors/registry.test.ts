// Adding a collector is its folder and one registry line: a collector written here, registered
// with one line, gets its configuration section (defaults, errors naming its keys), its flags on
// the command line and its factory config, with nothing else changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { Command } from 'commander';
import { collectorOptions } from '../../cli/commands/collect.js';
import type { Collector, CollectorEntry, CollectorFactory } from '../../collectors/collector.js';
import { collectorsSchema } from '../../collectors/config.js';
import { CollectorMetrics } from '../../collectors/metrics.js';
import { planCollectors, prepareCollectors, type CollectFlags } from '../../collectors/options.js';
import { COLLECTORS } from '../../collectors/registry.js';
import { ConfigError, validateSection } from '../../core/config/load.js';
import { Count, Seconds } from '../../core/config/fields.js';
import { memoryPipeline } from './support.js';

interface HeartbeatConfig {
  readonly target: string;
  readonly intervalMs: number;
  readonly burst: number;
  readonly checkpointFile: string | undefined;
}

const heartbeatSection = Type.Object(
  {
    target: Type.String({ minLength: 1, default: 'self', description: 'What is pinged' }),
    intervalSeconds: Seconds(5, 'Pause between pings'),
    burst: Count(3, 'Pings per round'),
  },
  { additionalProperties: false, default: {} },
);

const built: HeartbeatConfig[] = [];

const heartbeatFactory: CollectorFactory<HeartbeatConfig> = {
  defaultConfig: { target: 'self', intervalMs: 5_000, burst: 3, checkpointFile: undefined },
  create: (config, deps): Collector => {
    built.push(config);
    let running = false;
    return {
      type: 'heartbeat',
      name: 'collector.heartbeat',
      metrics: new CollectorMetrics('heartbeat', deps.telemetry, deps.logger),
      start: () => {
        running = true;
        return Promise.resolve();
      },
      stop: () => {
        running = false;
        return Promise.resolve();
      },
      health: () => ({ ready: running, detail: config.target }),
    };
  },
};

const heartbeatEntry: CollectorEntry<typeof heartbeatSection, HeartbeatConfig> = {
  type: 'heartbeat',
  description: 'ping a target',
  section: heartbeatSection,
  flags: [
    { name: 'heartbeat-target', key: 'target', value: '<name>', description: 'what is pinged' },
    {
      name: 'heartbeat-interval',
      key: 'intervalSeconds',
      value: '<seconds>',
      positive: true,
      description: 'pause between pings',
    },
  ],
  configure: (section, shared) => ({
    target: section.target,
    intervalMs: section.intervalSeconds * 1000,
    burst: section.burst,
    checkpointFile: shared.checkpointFile,
  }),
  load: () => Promise.resolve(heartbeatFactory),
};

// The one line.
const registry = { ...COLLECTORS, heartbeat: heartbeatEntry };

const schema = collectorsSchema(registry, ['heartbeat']);

async function parsedFlags(args: string[]): Promise<CollectFlags> {
  let parsed: CollectFlags = {};
  const command = new Command('collect').exitOverride().action((options: CollectFlags) => {
    parsed = options;
  });
  for (const option of collectorOptions(registry)) command.addOption(option);
  await command.parseAsync(args, { from: 'user' });
  return parsed;
}

describe('a collector added with one registry line', () => {
  it('has its section in the configuration, with its defaults and errors naming its keys', () => {
    const section = validateSection(schema, { stateDir: '/state' }, () => 'file', 'collectors');
    assert.deepEqual(section.enabled, ['heartbeat']);
    assert.deepEqual(section.heartbeat, { target: 'self', intervalSeconds: 5, burst: 3 });
    assert.equal(section.kubelet.intervalSeconds, 30, 'the other sections are all still there');
    assert.throws(
      () =>
        validateSection(
          schema,
          { heartbeat: { burst: 0, color: 'red' } },
          () => 'file',
          'collectors',
        ),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((p) => p.key === 'collectors.heartbeat.burst') &&
        error.problems.some((p) => p.key === 'collectors.heartbeat.color'),
    );
  });

  it('gets its flags on the command line, over its configured keys, and is built with them', async () => {
    const collectors = validateSection(
      schema,
      { stateDir: '/state', heartbeat: { target: 'db', burst: 7 } },
      () => 'file',
      'collectors',
    );
    const flags = await parsedFlags(['--heartbeat-interval', '0.5']);
    const plan = planCollectors({ cluster: 'c1', collectors }, flags, {}, registry);
    assert.deepEqual(plan.types, ['heartbeat']);
    assert.deepEqual(plan.options.heartbeat, {
      target: 'db',
      intervalMs: 500,
      burst: 7,
      checkpointFile: '/state/heartbeat-c1.json',
    });
    const { deps } = memoryPipeline();
    const [collector] = (await prepareCollectors(plan, registry))(deps);
    await collector!.start();
    assert.deepEqual(await collector!.health(), { ready: true, detail: 'db' });
    await collector!.stop();
    assert.deepEqual(built.at(-1), plan.options.heartbeat);
  });

  it('refuses a flag value its section does not allow, naming the flag and the key', async () => {
    const collectors = validateSection(schema, {}, () => 'file', 'collectors');
    await assert.rejects(parsedFlags(['--heartbeat-interval', '-1']), /positive number/);
    assert.throws(
      () => planCollectors({ cluster: 'c1', collectors }, { heartbeatTarget: '' }, {}, registry),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.key === 'collectors.heartbeat.target' &&
        error.origin === '--heartbeat-target',
    );
    assert.throws(
      () => planCollectors({ cluster: 'c1', collectors }, { collectors: ['nosuch'] }, {}, registry),
      /unknown collector "nosuch"; expected some of kubernetes, kubelet, prometheus, logs, heartbeat/,
    );
  });
});
