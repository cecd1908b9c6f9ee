// Secrets out of what people read: URLs lose their user-info (`http://user:pass@host` →
// `http://host`) before they reach a log line or an error message, and values of secret-like
// configuration keys are never echoed.

/** A URL without user name and password; text that is not a URL is returned as it is. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return url;
  }
}

/** Every URL inside a text, without credentials (error messages quote the URL they failed on). */
export function redactUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (url) => withoutCredentials(url));
}

const SECRET_KEY = /(password|token|secret|apikey|api_key|privatekey|credential)s?$/i;

/**
 * Whether a dotted configuration key holds a secret: any segment named like a password, token,
 * secret, API key or credential (`api.readTokens.0`, `kafka.sasl.password`).
 */
export const isSecretKey = (key: string) => key.split('.').some((part) => SECRET_KEY.test(part));
