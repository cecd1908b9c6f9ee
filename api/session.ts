// Browser sessions for the web pages: after a login with an API token, a signed cookie carries the
// token's scope and an expiry, never the token itself. The signing key is derived from the
// configured tokens, so every API replica with the same configuration accepts the same cookie and
// rotating the tokens ends every session. A cookie opens the web pages only (they need a read
// scope); the JSON API takes bearer tokens alone, so a session never stands in for an admin token.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'plimsoll_session';
export const SESSION_TTL_MS = 12 * 3_600_000;

export type SessionScope = 'read' | 'admin';

const sign = (key: Buffer, payload: string) =>
  createHmac('sha256', key).update(payload).digest('base64url');

export class Sessions {
  private readonly key: Buffer;

  constructor(tokens: readonly string[]) {
    const hmac = createHmac('sha256', 'plimsoll-session-v1');
    for (const token of [...tokens].sort()) hmac.update(`${token}\u0000`);
    this.key = hmac.digest();
  }

  /** The cookie value of a new session. */
  issue(scope: SessionScope, now = Date.now()): string {
    const payload = `${scope}.${now + SESSION_TTL_MS}`;
    return `${payload}.${sign(this.key, payload)}`;
  }

  /** The scope a cookie value grants, or undefined when forged, malformed or expired. */
  verify(value: string, now = Date.now()): SessionScope | undefined {
    const match = /^(read|admin)\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match) return undefined;
    const [, scope, expires, signature] = match;
    const expected = Buffer.from(sign(this.key, `${scope}.${expires}`));
    const presented = Buffer.from(signature!);
    if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return;
    if (Number(expires) <= now) return undefined;
    return scope as SessionScope;
  }
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for a session; `secure` when users reach the API over https. */
export function sessionCookie(value: string, secure: boolean, maxAgeMs = SESSION_TTL_MS): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
