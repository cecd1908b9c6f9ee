// Whether the findings about one subject speak with one voice: no two open findings move the same
// resource of the same container in opposite directions, and every count of kills says over what
// window it was counted. Used by the evaluation and by the property test over every scenario.
import type { Finding } from '../core/domain.js';
import { subjectKey } from '../analyzers/ids.js';
import { adviceOf, contradicts } from '../analyzers/verdicts.js';

export interface Disagreement {
  readonly subject: string;
  readonly resource: string;
  readonly a: { id: string; kind: string; category?: string | undefined; direction: string };
  readonly b: { id: string; kind: string; category?: string | undefined; direction: string };
}

/** Pairs of open findings on one subject whose advice contradicts. */
export function disagreements(findings: readonly Finding[]): Disagreement[] {
  const bySubject = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.status !== 'open') continue;
    const key = subjectKey(f.subject);
    bySubject.set(key, [...(bySubject.get(key) ?? []), f]);
  }
  const out: Disagreement[] = [];
  for (const [subject, list] of bySubject) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const fa = list[i]!;
        const fb = list[j]!;
        for (const a of adviceOf(fa)) {
          for (const b of adviceOf(fb)) {
            if (!contradicts(a, b)) continue;
            out.push({
              subject,
              resource: a.resource,
              a: { id: fa.id, kind: fa.kind, category: fa.category, direction: a.direction },
              b: { id: fb.id, kind: fb.kind, category: fb.category, direction: b.direction },
            });
          }
        }
      }
    }
  }
  return out;
}

// "killed 9 times", "OOM-killed 70 times", "OOMKilled 3 times": a kill count…
const KILL_COUNT = /\b(?:OOM-?killed|OOMKilled|killed)\b[^.]{0,40}?\b\d[\d,]*\s+times?\b/gi;
// …followed closely by its window: "in 24 h", "in 14 days", "in the last 7 days", "since the pod started".
const WINDOW =
  /^[^.]{0,60}?\b(?:in (?:the last )?\d+(?:\.\d+)? ?(?:min|minutes?|h|hours?|days?|weeks?)\b|in the \d+-day window|since the pod started)/i;

/** Kill counts in a finding's words that do not say over what window they were counted. */
export function unwindowedCounts(findings: readonly Finding[]): string[] {
  const out: string[] = [];
  for (const f of findings) {
    for (const text of [f.title, f.explanation, f.recommendation]) {
      for (const match of text.matchAll(KILL_COUNT)) {
        const rest = text.slice((match.index ?? 0) + match[0].length);
        if (!WINDOW.test(rest)) out.push(`${f.kind} ${f.id}: "${match[0]}${rest.slice(0, 40)}"`);
      }
    }
  }
  return out;
}
