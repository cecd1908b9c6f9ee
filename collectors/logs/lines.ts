// Splits a streamed body into lines under a length cap: a 10 MB line costs its first
// `maxLineLength` characters and a count, never 10 MB of buffer.
export interface CappedLine {
  readonly text: string;
  readonly truncated: boolean;
}

export class LineSplitter {
  private pending = '';
  private overflow = false;

  constructor(private readonly maxLineLength: number) {}

  push(chunk: string): CappedLine[] {
    const out: CappedLine[] = [];
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl === -1) {
        this.append(chunk.slice(from));
        return out;
      }
      this.append(chunk.slice(from, nl));
      out.push({ text: this.pending, truncated: this.overflow });
      this.pending = '';
      this.overflow = false;
      from = nl + 1;
    }
  }

  /** The unterminated rest, if any (the stream ended mid-line). */
  end(): CappedLine | undefined {
    if (this.pending === '' && !this.overflow) return undefined;
    const line = { text: this.pending, truncated: this.overflow };
    this.pending = '';
    this.overflow = false;
    return line;
  }

  private append(part: string): void {
    if (this.overflow || part.length === 0) {
      if (part.length > 0) this.overflow = true;
      return;
    }
    const room = this.maxLineLength - this.pending.length;
    if (part.length <= room) {
      this.pending += part;
    } else {
      // Copy the kept prefix so the huge chunk it came from can be collected.
      this.pending = Buffer.from(this.pending + part.slice(0, room), 'utf8').toString('utf8');
      this.overflow = true;
    }
  }
}
