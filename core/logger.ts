// Structured JSON logs, or lines for people on a terminal (pino-pretty). Secrets never reach a
// log line: known secret-bearing keys are redacted, whichever the format.
import { destination, pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

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

export type LogFormat = 'auto' | 'json' | 'pretty';

/** A logger writing to a file descriptor (1: stdout, 2: stderr), pretty where a person reads it. */
export function createCliLogger(level: string, format: LogFormat, fd: 1 | 2): Logger {
  const tty = fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  if (format === 'pretty' || (format === 'auto' && tty)) {
    return createLogger(
      level,
      PinoPretty({
        destination: fd,
        sync: true,
        colorize: tty,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname,name',
      }),
    );
  }
  return createLogger(level, destination({ fd, sync: true }));
}

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
