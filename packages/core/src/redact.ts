/** What stands in for a secret in any message, URL or log line. */
export const REDACTED = '[REDACTED]';

/** Replaces every occurrence of each secret in `text`. Empty or very short secrets are ignored. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

const SECRET_PARAMS = /([?&](?:token|access_token|api_key|apikey|password|x-sf-token)=)[^&#]*/gi;

/** A URL fit for messages: credentials and secret query parameters removed. */
export function redactUrl(url: string | URL, secrets: ReadonlyArray<string | undefined> = []): string {
  let text: string;
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
    }
    text = parsed.toString();
  } catch {
    text = String(url);
  }
  return redact(text.replace(SECRET_PARAMS, `$1${REDACTED}`), secrets);
}
