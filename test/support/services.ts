// Integration tests call requireServices() first: it starts the real services through the
// project's own script (idempotent, fast when they already run) and fails the test with the
// command to run when they cannot start. A test never skips because a service is missing.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));

/** `kube` is the whole control plane: etcd, kube-apiserver, scheduler, controller-manager, kwok. */
export type ServiceName = 'kafka' | 'elasticsearch' | 'prometheus' | 'alertmanager' | 'kube';

export const SERVICE_URLS = {
  kafka: `127.0.0.1:${process.env.PLIMSOLL_KAFKA_PORT ?? '9092'}`,
  elasticsearch: `http://127.0.0.1:${process.env.PLIMSOLL_ES_PORT ?? '9200'}`,
  prometheus: `http://127.0.0.1:${process.env.PLIMSOLL_PROM_PORT ?? '9090'}`,
  alertmanager: `http://127.0.0.1:${process.env.PLIMSOLL_AM_PORT ?? '9093'}`,
  kube: `https://127.0.0.1:${process.env.PLIMSOLL_KUBE_API_PORT ?? '6443'}`,
} as const;

/**
 * Runs one of the project's idempotent set-up scripts and returns what it printed; when it fails,
 * the error says what is missing and the command that provides it, with the script's output.
 */
export async function setUp(
  args: readonly string[],
  missing: string,
  remedy: string,
  timeoutMs = 15 * 60_000,
): Promise<string> {
  try {
    const { stdout } = await run('bash', [...args], { timeout: timeoutMs, maxBuffer: 16 << 20 });
    return stdout;
  } catch (error) {
    const detail = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${missing}.\nRun: ${remedy}\n${detail.stderr ?? ''}${detail.stdout ?? detail.message}`,
    );
  }
}

export async function requireServices(...names: ServiceName[]): Promise<void> {
  await setUp(
    [script, 'up', ...names],
    `services ${names.join(', ')} are not available and could not be started`,
    `npm run services:up -- ${names.join(' ')}   (or: bash scripts/services.sh up ${names.join(' ')})`,
  );
}
