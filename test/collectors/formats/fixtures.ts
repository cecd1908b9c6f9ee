// Reads the captured fixtures kept next to these tests (see fixtures/README.md for their origin).
import { readFileSync } from 'node:fs';

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}
