// Structured JSON logs. Secrets never reach a log line: known secret-bearing keys are redacted.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'password',
  '*.password',
  // A config section logged whole: kafka.sasl.password, elasticsearch.password under `config`.
  '*.*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'readTokens',
  'adminTokens',
  '*.readTokens',
  '*.adminTokens',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'plimsoll',
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A logger that writes nothing; for library use and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
