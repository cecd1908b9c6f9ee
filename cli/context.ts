// What every command shares: the global options, the validated configuration and the logger.
import type { Command } from 'commander';
import { loadConfig } from '../core/config/load.js';
import type { Config } from '../core/config/schema.js';
import { createLogger, type Logger } from '../core/logger.js';

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
}

/** Loads the configuration; `overrides` are dotted keys the command line sets. */
export function commandContext(
  command: Command,
  overrides: Record<string, unknown> = {},
): CommandContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const config = loadConfig({
    file: globals.config,
    overrides: { ...overrides, 'log.level': globals.logLevel },
  });
  return { config, logger: createLogger(config.log.level) };
}

/** A failure the user can fix, reported in one line without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command ran as asked and found it cannot succeed (exit 1), in one line without a stack. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
}
