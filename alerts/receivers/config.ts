// Direct receivers from the configuration (alerting.receivers, alerting.routes): checks what the
// schema cannot (which keys each type needs, that a route names a receiver) and reads secrets
// from their files. Every error names the key to fix and never echoes a secret.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../core/config/load.js';
import type { Config } from '../../core/config/schema.js';
import { dingTalkReceiver } from './dingtalk.js';
import { emailReceiver, smtpTarget } from './email.js';
import type { Route } from './notifier.js';
import { pagerDutyReceiver } from './pagerduty.js';
import { slackReceiver } from './slack.js';
import type { Receiver } from './types.js';
import { webhookReceiver } from './webhook.js';

type Alerting = Config['alerting'];
type ReceiverConfig = Alerting['receivers'][string];

/** Keys each type reads; any other key set on a receiver is a mistake worth naming. */
const KEYS: Record<ReceiverConfig['type'], { required: string[]; optional: string[] }> = {
  slack: { required: ['urlFile'], optional: [] },
  pagerduty: { required: ['routingKeyFile'], optional: ['url'] },
  dingtalk: { required: ['urlFile'], optional: ['secretFile'] },
  webhook: { required: [], optional: ['url', 'urlFile', 'secretFile'] },
  email: { required: ['smtpUrl', 'from', 'to'], optional: ['usernameFile', 'passwordFile'] },
};
const COMMON = new Set(['type', 'ratePerSecond', 'burst', 'retryAttempts']);

export type ReadSecret = (path: string) => string;

const readTrimmed: ReadSecret = (path) => readFileSync(path, 'utf8').trim();

function receiversOf(alerting: Alerting, read: ReadSecret): Map<string, Receiver> {
  const receivers = new Map<string, Receiver>();
  for (const [name, config] of Object.entries(alerting.receivers)) {
    receivers.set(name, receiverOf(name, config, read));
  }
  return receivers;
}

/** The receivers the weekly report is sent to (report.deliver); empty when none are named. */
export function reportReceivers(
  config: Pick<Config, 'alerting' | 'report'>,
  read: ReadSecret = readTrimmed,
): Receiver[] {
  if (config.report.deliver.length === 0) return [];
  const receivers = receiversOf(config.alerting, read);
  return config.report.deliver.map((name, i) => {
    const receiver = receivers.get(name);
    const key = `report.deliver.${i}`;
    if (!receiver) {
      const known = [...receivers.keys()].join(', ') || 'none configured';
      throw new ConfigError(
        key,
        `no receiver named ${JSON.stringify(name)} in alerting.receivers (${known})`,
        'config',
      );
    }
    if (!receiver.sendReport) {
      const type = config.alerting.receivers[name]!.type;
      throw new ConfigError(
        key,
        `a ${type} receiver cannot take the weekly report; use slack, dingtalk, webhook or email`,
        'config',
      );
    }
    return receiver;
  });
}

/** The routes of the direct notifier; empty when none are configured. */
export function directRoutes(alerting: Alerting, read: ReadSecret = readTrimmed): Route[] {
  const receivers = receiversOf(alerting, read);
  return alerting.routes.map((route, i) => {
    const receiver = receivers.get(route.receiver);
    if (!receiver) {
      const known = [...receivers.keys()].join(', ') || 'none configured';
      throw new ConfigError(
        `alerting.routes.${i}.receiver`,
        `no receiver named ${JSON.stringify(route.receiver)} in alerting.receivers (${known})`,
        'config',
      );
    }
    return { receiver, teams: route.teams, routes: route.route ?? ['page', 'ticket'] };
  });
}

function receiverOf(name: string, config: ReceiverConfig, read: ReadSecret): Receiver {
  const key = (field: string) => `alerting.receivers.${name}.${field}`;
  const { required, optional } = KEYS[config.type];
  for (const field of Object.keys(config)) {
    if (!COMMON.has(field) && !required.includes(field) && !optional.includes(field)) {
      throw new ConfigError(key(field), `not used by a ${config.type} receiver`, 'config');
    }
  }
  for (const field of required) {
    if ((config as Record<string, unknown>)[field] === undefined) {
      throw new ConfigError(key(field), `required for a ${config.type} receiver`, 'config');
    }
  }
  const secret = (
    field: 'urlFile' | 'routingKeyFile' | 'secretFile' | 'usernameFile' | 'passwordFile',
  ): string | undefined => {
    const path = config[field];
    if (path === undefined) return undefined;
    let value: string;
    try {
      value = read(path);
    } catch (error) {
      throw new ConfigError(key(field), `cannot read ${path}: ${(error as Error).message}`, path);
    }
    if (value === '') throw new ConfigError(key(field), `${path} is empty`, path);
    return value;
  };
  const url = (field: 'urlFile'): string | undefined => {
    const value = secret(field);
    // The URL is the secret: say what is wrong with it, never what it is.
    if (value !== undefined && !/^https?:\/\/[^\s]+$/.test(value)) {
      throw new ConfigError(key(field), `the file does not hold an http(s) URL`, 'config');
    }
    return value;
  };
  const common = {
    name,
    rate: { perSecond: config.ratePerSecond ?? 1, burst: config.burst ?? 5 },
    retry: { attempts: config.retryAttempts ?? 5 },
  };
  switch (config.type) {
    case 'slack':
      return slackReceiver({ ...common, webhookUrl: url('urlFile')! });
    case 'pagerduty':
      return pagerDutyReceiver({
        ...common,
        routingKey: secret('routingKeyFile')!,
        ...(config.url ? { url: config.url } : {}),
      });
    case 'dingtalk': {
      const signing = secret('secretFile');
      return dingTalkReceiver({
        ...common,
        webhookUrl: url('urlFile')!,
        ...(signing ? { secret: signing } : {}),
      });
    }
    case 'email': {
      if (!smtpTarget(config.smtpUrl!)) {
        throw new ConfigError(
          key('smtpUrl'),
          'expected smtp://host[:port] or smtps://host[:port], without credentials (use usernameFile and passwordFile)',
          'config',
        );
      }
      const user = secret('usernameFile');
      const pass = secret('passwordFile');
      if ((user === undefined) !== (pass === undefined)) {
        throw new ConfigError(
          key(user === undefined ? 'usernameFile' : 'passwordFile'),
          'SMTP authentication needs both usernameFile and passwordFile',
          'config',
        );
      }
      return emailReceiver({
        ...common,
        smtpUrl: config.smtpUrl!,
        from: config.from!,
        to: config.to!,
        ...(user !== undefined && pass !== undefined ? { auth: { user, pass } } : {}),
      });
    }
    case 'webhook': {
      if ((config.url === undefined) === (config.urlFile === undefined)) {
        throw new ConfigError(
          key('url'),
          'a webhook receiver needs url or urlFile, not both',
          'config',
        );
      }
      const signing = secret('secretFile');
      return webhookReceiver({
        ...common,
        url: config.url ?? url('urlFile')!,
        ...(signing ? { secret: signing } : {}),
      });
    }
  }
}
