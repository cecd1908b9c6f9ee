// What every command shares: the global options, the validated configuration and the logger.
import type { Command } from 'commander';
import { loadConfig } from '../core/config/load.js';
import type { Config } from '../core/config/schema.js';
import { createCliLogger, type Logger } from '../core/logger.js';

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
  logFormat?: string;
}

export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
}

/**
 * Loads the configuration; `overrides` are dotted keys the command line sets. Logs go to stdout,
 * or to stderr for a command whose stdout is its result (`logsTo: 2`), so a pipe gets data only.
 */
export function commandContext(
  command: Command,
  overrides: Record<string, unknown> = {},
  logsTo: 1 | 2 = 1,
): CommandContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const config = loadConfig({
    file: globals.config,
    overrides: { ...overrides, 'log.level': globals.logLevel, 'log.format': globals.logFormat },
  });
  return { config, logger: createCliLogger(config.log.level, config.log.format, logsTo) };
}

/** A failure the user can fix, reported in one line without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command ran as asked and found it cannot succeed (exit 1), in one line without a stack. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
}
