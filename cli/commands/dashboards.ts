// `plimsoll dashboards build|push`: Grafana dashboards as code, written out for provisioning or
// pushed through Grafana's HTTP API.
import { Command, Option } from 'commander';
import { writeDashboardFiles } from '../../dashboards/build.js';
import { pushDashboards } from '../../dashboards/push.js';
import { commandContext, UsageError } from '../context.js';

export function dashboardsCommand(): Command {
  const command = new Command('dashboards').description(
    'build Grafana dashboards and provisioning files, or push them to Grafana',
  );
  command
    .command('build')
    .description('write dashboard JSON and provisioning YAML (dashboards provider, datasources)')
    .option(
      '-o, --out <dir>',
      'output folder, mountable by a Grafana container',
      'dashboards/generated',
    )
    .action(async (options: { out: string }, sub: Command) => {
      const { config } = commandContext(sub);
      const written = await writeDashboardFiles(options.out, {
        indexPrefix: config.elasticsearch.indexPrefix,
        currency: config.report.prices.currency,
      });
      process.stdout.write(`${written.join('\n')}\n`);
    });
  command
    .command('push')
    .description("create or update the dashboards through Grafana's HTTP API")
    .requiredOption('--grafana-url <url>', 'Grafana base URL, e.g. http://grafana:3000')
    .addOption(
      new Option('--token <token>', 'service account token (prefer the env var)').env(
        'PLIMSOLL_GRAFANA_TOKEN',
      ),
    )
    .action(async (options: { grafanaUrl: string; token?: string }) => {
      if (!options.token) {
        throw new UsageError('a Grafana token is required: --token or PLIMSOLL_GRAFANA_TOKEN');
      }
      const pushed = await pushDashboards({ grafanaUrl: options.grafanaUrl, token: options.token });
      process.stdout.write(`${pushed.map((p) => `${p.uid}  ${p.url}`).join('\n')}\n`);
    });
  return command;
}
