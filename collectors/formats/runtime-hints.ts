// Flags and environment values that size a language runtime's heap, kept with a container so the
// OOM analyzer can tell "the JVM was told to use more than the limit" from a leak. They come from
// the container's command and args (often one shell string) and from the variables the JVM, Go and
// Node read. Values set through valueFrom (ConfigMaps, Secrets) are not visible here.
import { arrayAt, objectAt, stringAt } from './json-read.js';

const JVM_ENV = ['JAVA_OPTS', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS'];
const NODE_ENV = 'NODE_OPTIONS';
const GO_ENV = 'GOMEMLIMIT';

const JVM_FLAG =
  /^-(?:Xmx\S+|Xms\S+|XX:(?:MaxRAMPercentage|InitialRAMPercentage|MinRAMPercentage|MaxRAM)=\S+)$/;
const NODE_FLAG = /^--max[-_]old[-_]space[-_]size=\d+$/;

const MAX_HINTS = 64;
const MAX_HINT_LENGTH = 1024;

function tokens(text: string): string[] {
  // Shell quoting around a flag ('-Xmx2g' or "-Xmx2g") is not part of it.
  return text.split(/\s+/).map((t) => t.replace(/^['"]+|['"]+$/g, ''));
}

function collect(out: Set<string>, text: string, pattern: RegExp): void {
  for (const token of tokens(text)) {
    if (token.length <= MAX_HINT_LENGTH && pattern.test(token)) out.add(token);
  }
}

/**
 * Hints from a raw core/v1 Container: `-Xmx2g`, `-XX:MaxRAMPercentage=75.0`, `GOMEMLIMIT=1GiB`,
 * `--max-old-space-size=4096`, in the order found, without duplicates, at most 64.
 */
export function runtimeHintsOf(container: unknown): string[] {
  const spec = objectAt(container);
  const out = new Set<string>();
  for (const arg of [...arrayAt(spec.command), ...arrayAt(spec.args)]) {
    const text = stringAt(arg);
    if (text === undefined) continue;
    collect(out, text, JVM_FLAG);
    collect(out, text, NODE_FLAG);
  }
  for (const entry of arrayAt(spec.env)) {
    const { name, value } = objectAt(entry);
    const text = stringAt(value);
    if (typeof name !== 'string' || text === undefined || text === '') continue;
    if (JVM_ENV.includes(name)) collect(out, text, JVM_FLAG);
    else if (name === NODE_ENV) collect(out, text, NODE_FLAG);
    else if (name === GO_ENV && text.length < MAX_HINT_LENGTH) out.add(`${GO_ENV}=${text.trim()}`);
  }
  return [...out].slice(0, MAX_HINTS);
}
