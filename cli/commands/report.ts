// `plimsoll report`: generate the weekly capacity report for one ISO week against the configured
// store, store it (replacing an earlier one of the same week), and print it or write it to a file.
// A week without data yields a report that says so, not an error.
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Telemetry } from '../../core/telemetry.js';
import { generateWeeklyReport, REPORT_FORMATS, type ReportFormat } from '../../reports/generate.js';
import { lastCompleteWeek, parseIsoWeek, WeekError } from '../../reports/week.js';
import { createStore } from '../../runtime/adapters.js';
import { commandContext, UsageError } from '../context.js';

interface ReportCommandOptions {
  week?: string;
  format: ReportFormat;
  out?: string;
  timezone?: string;
  cluster?: string;
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
        .choices([...REPORT_FORMATS])
        .default('html'),
    )
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .option('--timezone <zone>', 'IANA time zone of the week (default: report.timezone)')
    .option('--cluster <name>', 'cluster to report on (default: the configured cluster)')
    .action(async (options: ReportCommandOptions, command: Command) => {
      const { config, logger } = commandContext(command);
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
        const report = await generateWeeklyReport(store, { cluster, week, timezone }).catch(
          (error: unknown) => {
            throw error instanceof WeekError ? new UsageError(error.message) : error;
          },
        );
        const text = report.content[options.format];
        if (options.out) {
          await writeFile(options.out, text);
          process.stderr.write(
            `plimsoll: report ${report.id} (${options.format}) written to ${options.out}\n`,
          );
        } else {
          process.stdout.write(text);
        }
        if (report.summary.hasData === false) {
          logger.warn({ cluster, week }, 'no data for this week: the report says so');
        }
      } finally {
        await store.stop();
      }
    });
}
