// Resource stores with etcd-like semantics: one global resourceVersion counter, a bounded log of
// changes per resource for watches, and compaction that makes older versions answer 410 Gone.

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Item {
  uid: string;
  namespace?: string;
  name: string;
  labels: Record<string, string>;
  /** Values field selectors can match (metadata.name, spec.nodeName, involvedObject.name, ...). */
  fields: Record<string, string>;
  /** Changes whenever a watcher should see MODIFIED. */
  fingerprint: string;
  render: (resourceVersion: string) => Record<string, unknown>;
  cells: (now: number) => unknown[];
}

export interface Stored {
  item: Item;
  rv: number;
}

export interface Change {
  rv: number;
  type: WatchType;
  item: Item;
}

export class VersionCounter {
  private value = 1;

  current(): number {
    return this.value;
  }

  next(): number {
    this.value += 1;
    return this.value;
  }
}

export class ResourceStore {
  readonly items = new Map<string, Stored>();
  private log: Change[] = [];
  /** Watches from a resourceVersion below this are too old (410 Gone). */
  private oldestWatchable: number;
  private readonly listeners = new Set<(change: Change) => void>();

  constructor(
    readonly resource: string,
    private readonly versions: VersionCounter,
    private readonly logLimit = 20_000,
  ) {
    this.oldestWatchable = versions.current();
  }

  /** Replaces the store's contents with `next`, recording ADDED/MODIFIED/DELETED changes. */
  apply(next: Iterable<Item>): void {
    const seen = new Set<string>();
    const changes: Change[] = [];
    for (const item of next) {
      seen.add(item.uid);
      const stored = this.items.get(item.uid);
      if (!stored) {
        const rv = this.versions.next();
        this.items.set(item.uid, { item, rv });
        changes.push({ rv, type: 'ADDED', item });
      } else if (stored.item.fingerprint !== item.fingerprint) {
        const rv = this.versions.next();
        this.items.set(item.uid, { item, rv });
        changes.push({ rv, type: 'MODIFIED', item });
      } else {
        // Same state: keep the old version but refresh the renderer (e.g. ages in tables).
        stored.item = item;
      }
    }
    for (const [uid, stored] of this.items) {
      if (seen.has(uid)) continue;
      this.items.delete(uid);
      changes.push({ rv: this.versions.next(), type: 'DELETED', item: stored.item });
    }
    for (const change of changes) {
      this.log.push(change);
      for (const listener of this.listeners) listener(change);
    }
    if (this.log.length > this.logLimit) {
      const dropped = this.log.splice(0, this.log.length - this.logLimit);
      const last = dropped[dropped.length - 1];
      if (last) this.oldestWatchable = last.rv;
    }
  }

  /** Initial fill: items get versions but no watch history (like a fresh API server). */
  seed(items: Iterable<Item>): void {
    for (const item of items) this.items.set(item.uid, { item, rv: this.versions.next() });
    this.oldestWatchable = this.versions.current();
  }

  /** Changes after `rv`, or undefined when `rv` has been compacted away. */
  changesSince(rv: number): Change[] | undefined {
    if (rv < this.oldestWatchable) return undefined;
    return this.log.filter((c) => c.rv > rv);
  }

  /** Forgets all history: every outstanding resourceVersion becomes too old. */
  compact(): void {
    this.log = [];
    this.oldestWatchable = this.versions.current() + 1;
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  sorted(): Stored[] {
    return [...this.items.values()].sort(
      (a, b) =>
        (a.item.namespace ?? '').localeCompare(b.item.namespace ?? '') ||
        a.item.name.localeCompare(b.item.name),
    );
  }
}
