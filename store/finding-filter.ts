// Finding filters and order, shared so that both stores page through findings the same way:
// newest activity first, ties broken by id, cursors that stay valid while findings update.
import type { Finding } from '../core/domain.js';
import { decodeCursor, hasFields, InvalidCursorError } from './keys.js';
import type { FindingQuery } from './store.js';

export interface FindingPosition {
  readonly lastSeen: number;
  readonly id: string;
}

export function compareFindings(a: FindingPosition, b: FindingPosition): number {
  return b.lastSeen - a.lastSeen || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function findingAfter(cursor: string | undefined): FindingPosition | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(
    cursor,
    hasFields<FindingPosition>({ lastSeen: 'number', id: 'string' }),
  );
  if (!position) {
    throw new InvalidCursorError();
  }
  return position;
}

export function findingNamespace(finding: Finding): string | undefined {
  const subject = finding.subject;
  return subject.type === 'workload' || subject.type === 'workload_container'
    ? subject.workload.namespace
    : undefined;
}

export function findingNode(finding: Finding): string | undefined {
  return finding.subject.type === 'node' ? finding.subject.node : undefined;
}

export function matchesFinding(finding: Finding, query: FindingQuery): boolean {
  return (
    (!query.cluster || finding.subject.cluster === query.cluster) &&
    (!query.kinds || query.kinds.includes(finding.kind)) &&
    (!query.severities || query.severities.includes(finding.severity)) &&
    (!query.status || finding.status === query.status) &&
    (!query.namespace || findingNamespace(finding) === query.namespace) &&
    (!query.node || findingNode(finding) === query.node) &&
    (!query.onNodes || findingNode(finding) !== undefined) &&
    (!query.window ||
      (finding.firstSeen < query.window.to && finding.lastSeen >= query.window.from))
  );
}
