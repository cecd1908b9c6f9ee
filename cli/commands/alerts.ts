// `plimsoll alerts rules|push`: write the Prometheus rules file, or push the alerts of the
// configured store's open findings to Alertmanager once (the running server repeats it while
// they are open). Both use the configuration's runbook base URL and API URL, so a rule alert and
// a pushed alert of the same problem link to the same pages.
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { AlertmanagerPusher, openFindings } from '../../alerts/alertmanager-push.js';
import { AlertDispatcher } from '../../alerts/dispatch.js';
import { DEFAULT_API_URL, renderRules } from '../../alerts/rules.js';
import { teamResolver } from '../../alerts/setup.js';
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
    .option(
      '--runbook-base-url <url>',
      'where the runbooks live (default: alerting.runbookBaseUrl)',
    )
    .option(
      '--api-url <url>',
      `API URL for finding links (default: api.publicUrl, else ${DEFAULT_API_URL})`,
    )
    .action(
      async (options: { out?: string; runbookBaseUrl?: string; apiUrl?: string }, sub: Command) => {
        const { config } = commandContext(sub);
        const text = renderRules({
          runbookBaseUrl: options.runbookBaseUrl ?? config.alerting.runbookBaseUrl,
          apiBaseUrl: options.apiUrl ?? config.api.publicUrl ?? DEFAULT_API_URL,
          pageForSeconds: config.alerting.pageForSeconds,
        });
        if (options.out) {
          await writeFile(options.out, text);
          const rules = (text.match(/^\s+- alert: /gm) ?? []).length;
          process.stderr.write(`plimsoll: ${rules} alerting rules written to ${options.out}\n`);
        } else process.stdout.write(text);
      },
    );
  command
    .command('push')
    .description(
      'push the alerts of the open findings of the configured store to Alertmanager once',
    )
    .addOption(
      new Option(
        '--alertmanager-url <url...>',
        'Alertmanager base URL, repeat for an HA pair (default: alerting.alertmanagerUrls)',
      ).env('PLIMSOLL_ALERTMANAGER_URL'),
    )
    .option('--team <namespace=team...>', 'namespace → team (a trailing * matches a prefix)')
    .option('--default-team <team>', 'team when no mapping or pod label names one')
    .action(
      async (
        options: { alertmanagerUrl?: string[] | string; team?: string[]; defaultTeam?: string },
        sub: Command,
      ) => {
        const { config, logger } = commandContext(sub);
        const namespaceTeams: Record<string, string> = { ...config.alerting.namespaceTeams };
        for (const pair of options.team ?? []) {
          const [ns, team] = pair.split('=');
          if (!ns || !team) throw new UsageError(`--team expects namespace=team, got "${pair}"`);
          namespaceTeams[ns] = team;
        }
        const urls =
          options.alertmanagerUrl === undefined
            ? config.alerting.alertmanagerUrls
            : Array.isArray(options.alertmanagerUrl)
              ? options.alertmanagerUrl
              : options.alertmanagerUrl.split(',');
        if (urls.length === 0) {
          throw new UsageError(
            'no Alertmanager: pass --alertmanager-url or set alerting.alertmanagerUrls',
          );
        }
        const alerting = {
          ...config.alerting,
          namespaceTeams,
          defaultTeam: options.defaultTeam ?? config.alerting.defaultTeam,
        };
        const store = createStore(config, {
          telemetry: new Telemetry({ defaultMetrics: false }),
          logger,
        });
        await store.start();
        try {
          // The paging policy needs no memory of earlier pushes, so a one-shot push decides as
          // the server would: a loop that paged an hour ago is a ticket now.
          const dispatcher = new AlertDispatcher({
            source: openFindings(store, config.cluster, alerting.kinds),
            teams: teamResolver({ ...config, alerting }, store),
            sinks: [new AlertmanagerPusher({ alertmanagerUrls: urls, logger })],
            links: {
              apiBaseUrl: config.api.publicUrl ?? `http://${config.api.host}:${config.api.port}`,
              runbookBaseUrl: alerting.runbookBaseUrl,
            },
            kinds: alerting.kinds,
            paging: { pageForMs: alerting.pageForSeconds * 1000 },
            logger,
          });
          const report = await dispatcher.cycle();
          const result = report.sinks.alertmanager;
          if (result && 'error' in result) throw new UsageError(result.error);
          const pages = report.alerts.filter((a) => a.route === 'page').length;
          process.stdout.write(
            `alerts ${report.alerts.length} (pages ${pages}, tickets and reports ${report.alerts.length - pages})\n`,
          );
        } finally {
          await store.stop();
        }
      },
    );
  return command;
}
