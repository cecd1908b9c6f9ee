// `plimsoll alerts rules|push`: write the Prometheus rules file, or push the configured store's
// open findings to Alertmanager once (a scheduler or the runner repeats it while they are open).
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { AlertmanagerPusher, openFindings } from '../../alerts/alertmanager-push.js';
import { DEFAULT_RUNBOOK_BASE_URL, renderRules } from '../../alerts/rules.js';
import { TeamResolver } from '../../alerts/teams.js';
import { Telemetry } from '../../core/telemetry.js';
import { createStore } from '../../runtime/adapters.js';
import { commandContext, UsageError } from '../context.js';

export function alertsCommand(): Command {
  const command = new Command('alerts').description(
    'write Prometheus alerting rules, or push findings to Alertmanager',
  );
  command
    .command('rules')
    .description('write the Prometheus rules file (stdout unless --out)')
    .option('-o, --out <file>', 'output file, e.g. alerts/plimsoll.rules.yml')
    .option('--runbook-base-url <url>', 'where the runbooks live', DEFAULT_RUNBOOK_BASE_URL)
    .action(async (options: { out?: string; runbookBaseUrl: string }) => {
      const text = renderRules(options.runbookBaseUrl);
      if (options.out) await writeFile(options.out, text);
      else process.stdout.write(text);
    });
  command
    .command('push')
    .description('push the open findings of the configured store to Alertmanager once')
    .addOption(
      new Option('--alertmanager-url <url...>', 'Alertmanager base URL (repeat for an HA pair)')
        .env('PLIMSOLL_ALERTMANAGER_URL')
        .makeOptionMandatory(),
    )
    .option('--team <namespace=team...>', 'namespace → team (a trailing * matches a prefix)')
    .option('--default-team <team>', 'team when no mapping or pod label names one', 'platform')
    .action(
      async (
        options: { alertmanagerUrl: string[] | string; team?: string[]; defaultTeam: string },
        sub: Command,
      ) => {
        const { config, logger } = commandContext(sub);
        const namespaceTeams: Record<string, string> = {};
        for (const pair of options.team ?? []) {
          const [ns, team] = pair.split('=');
          if (!ns || !team) throw new UsageError(`--team expects namespace=team, got "${pair}"`);
          namespaceTeams[ns] = team;
        }
        const store = createStore(config, {
          telemetry: new Telemetry({ defaultMetrics: false }),
          logger,
        });
        await store.start();
        try {
          const urls = Array.isArray(options.alertmanagerUrl)
            ? options.alertmanagerUrl
            : options.alertmanagerUrl.split(',');
          const pusher = new AlertmanagerPusher({
            alertmanagerUrls: urls,
            source: openFindings(store, config.cluster),
            teams: new TeamResolver({
              namespaceTeams,
              defaultTeam: options.defaultTeam,
              inventory: store,
            }),
            apiBaseUrl: config.api.publicUrl ?? `http://${config.api.host}:${config.api.port}`,
            logger,
          });
          const result = await pusher.push();
          process.stdout.write(`firing ${result.firing}, resolved ${result.resolved}\n`);
        } finally {
          await store.stop();
        }
      },
    );
  return command;
}
