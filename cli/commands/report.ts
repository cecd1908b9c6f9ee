// `plimsoll report`: generate the weekly capacity report for one ISO week against the configured
// store, store it (replacing an earlier one of the same week), and print it or write it to a file.
// A week that has not started or whose data is past the store's retention is refused; a week
// without data is an error too (exit 1), unless --allow-empty asks for the report that says so.
// --send sends it to the receivers of report.deliver (exit 1 if any of them did not take it).
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Telemetry } from '../../core/telemetry.js';
import { reportReceivers } from '../../alerts/receivers/config.js';
import {
  deliverReport,
  REPORT_VIEWS,
  reportView,
  type ReportView,
} from '../../reports/delivery.js';
import { buildWeeklyReport } from '../../reports/generate.js';
import { lastCompleteWeek, parseIsoWeek, WeekError } from '../../reports/week.js';
import { createStore, usageRetentionDays } from '../../runtime/adapters.js';
import { CommandFailed, commandContext, UsageError } from '../context.js';

interface ReportCommandOptions {
  week?: string;
  format: ReportView;
  out?: string;
  timezone?: string;
  cluster?: string;
  allowEmpty?: boolean;
  send?: boolean;
}

function isoWeek(value: string): string {
  try {
    parseIsoWeek(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value.trim();
}

export function reportCommand(): Command {
  return new Command('report')
    .description('generate the weekly capacity report for an ISO week (stored, and printed)')
    .option(
      '-w, --week <week>',
      'ISO week, e.g. 2026-W47 (default: the last week that ended)',
      isoWeek,
    )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices([...REPORT_VIEWS])
        .default('html'),
    )
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .option('--timezone <zone>', 'IANA time zone of the week (default: report.timezone)')
    .option('--cluster <name>', 'cluster to report on (default: the configured cluster)')
    .option('--allow-empty', 'write (and store) the report of a week without data, which says so')
    .option('--send', 'send it to the receivers of report.deliver (chat digest, e-mail, webhook)')
    .action(async (options: ReportCommandOptions, command: Command) => {
      const { config, logger } = commandContext(command, {}, 2);
      // Checked before any work: a receiver misconfigured is a usage error, found at once.
      const receivers = options.send ? reportReceivers(config) : [];
      if (options.send && receivers.length === 0) {
        throw new UsageError('--send: report.deliver names no receiver in the configuration');
      }
      const baseUrl = config.api.publicUrl ?? `http://${config.api.host}:${config.api.port}`;
      const timezone = options.timezone ?? config.report.timezone;
      const cluster = options.cluster ?? config.cluster;
      let week: string;
      try {
        week = options.week ?? lastCompleteWeek(Date.now(), timezone);
      } catch (error) {
        if (error instanceof WeekError) throw new UsageError(error.message);
        throw error;
      }
      const store = createStore(config, {
        telemetry: new Telemetry({ defaultMetrics: false }),
        logger,
      });
      await store.start();
      try {
        const report = await buildWeeklyReport(store, {
          cluster,
          week,
          timezone,
          retentionDays: usageRetentionDays(config),
          prices: config.report.prices,
          teams: { namespaceTeams: config.alerting.namespaceTeams },
        }).catch((error: unknown) => {
          throw error instanceof WeekError ? new UsageError(error.message) : error;
        });
        if (report.summary.hasData === false && !options.allowEmpty) {
          throw new CommandFailed(
            `no data for cluster ${cluster} in ${week}: the store holds no nodes, pods or usage samples for it. Check that the collectors ran (and --cluster); --allow-empty writes the report anyway`,
          );
        }
        await store.putReport(report);
        const text = reportView(report, options.format, baseUrl);
        if (options.out) {
          await writeFile(options.out, text);
          process.stderr.write(
            `plimsoll: report ${report.id} (${options.format}) written to ${options.out}\n`,
          );
        } else {
          process.stdout.write(text);
        }
        const failed = (await deliverReport(report, receivers, { baseUrl, logger })).filter(
          (d) => !d.ok,
        );
        for (const d of receivers) {
          if (!failed.some((f) => f.receiver === d.name)) {
            process.stderr.write(`plimsoll: report ${report.id} sent to ${d.name}\n`);
          }
        }
        if (failed.length > 0) {
          throw new CommandFailed(
            `report ${report.id} stored but not sent to ${failed.map((f) => `${f.receiver}: ${f.error}`).join('; ')}`,
          );
        }
      } finally {
        await store.stop();
      }
    });
}
