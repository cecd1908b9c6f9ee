// What a collector has already delivered, persisted so a restarted collector does not emit it
// again. Entries are small high-water marks keyed by subject (a node's condition, a container, an
// Event, a query cursor), not lists of record ids: their size follows the cluster's size, not its
// history. The file is rewritten atomically (temp file + rename) at most every `saveIntervalMs`
// while dirty, and on close; entries untouched for `retentionMs` are pruned when saving.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { silentLogger, type Logger } from '../core/logger.js';

interface Entry {
  readonly value: unknown;
  /** Epoch ms of the last update, for pruning. */
  readonly touched: number;
}

type Sections = Record<string, Record<string, Entry>>;

export interface CheckpointOptions {
  /** JSON file; undefined keeps the checkpoint in memory only (tests, the embedded demo). */
  readonly file?: string | undefined;
  /** Default 2 s. */
  readonly saveIntervalMs?: number;
  /** Default 30 days. */
  readonly retentionMs?: number;
  readonly logger?: Logger;
}

const FORMAT_VERSION = 1;

export class Checkpoint {
  private sections: Sections = {};
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(private readonly options: CheckpointOptions = {}) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Reads the file if there is one; a missing or unreadable file starts empty (and says so). */
  async load(): Promise<void> {
    const file = this.options.file;
    if (file === undefined) return;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.warn({ err: error, file }, 'checkpoint unreadable; starting empty');
      }
      return;
    }
    try {
      const parsed = JSON.parse(text) as { version?: unknown; sections?: unknown };
      if (parsed.version !== FORMAT_VERSION || typeof parsed.sections !== 'object') {
        throw new Error(`unsupported checkpoint version ${JSON.stringify(parsed.version)}`);
      }
      this.sections = parsed.sections as Sections;
    } catch (error) {
      // A corrupt checkpoint costs duplicates downstream (ids are deterministic), never a crash.
      this.logger.warn({ err: error, file }, 'checkpoint corrupt; starting empty');
      this.sections = {};
    }
  }

  get<T>(section: string, key: string): T | undefined {
    return this.sections[section]?.[key]?.value as T | undefined;
  }

  set(section: string, key: string, value: unknown): void {
    (this.sections[section] ??= {})[key] = { value, touched: Date.now() };
    this.markDirty();
  }

  delete(section: string, key: string): void {
    const entries = this.sections[section];
    if (entries && key in entries) {
      delete entries[key];
      this.markDirty();
    }
  }

  keys(section: string): string[] {
    return Object.keys(this.sections[section] ?? {});
  }

  size(section: string): number {
    return Object.keys(this.sections[section] ?? {}).length;
  }

  /** Writes pending changes now. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.saving;
    if (this.dirty) await this.save();
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.options.file === undefined || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saving = this.save();
    }, this.options.saveIntervalMs ?? 2_000);
    this.timer.unref();
  }

  private async save(): Promise<void> {
    const file = this.options.file;
    if (file === undefined) return;
    this.dirty = false;
    const cutoff = Date.now() - (this.options.retentionMs ?? 30 * 86_400_000);
    for (const entries of Object.values(this.sections)) {
      for (const [key, entry] of Object.entries(entries)) {
        if (entry.touched < cutoff) delete entries[key];
      }
    }
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(tmp, JSON.stringify({ version: FORMAT_VERSION, sections: this.sections }));
      await rename(tmp, file);
    } catch (error) {
      this.dirty = true;
      this.logger.warn({ err: error, file }, 'checkpoint not saved; will retry');
    }
  }
}
