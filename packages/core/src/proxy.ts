type Env = Record<string, string | undefined>;

function envValue(env: Env, name: string): string | undefined {
  const value = env[name] ?? env[name.toLowerCase()];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** True for `localhost`, `127.0.0.0/8` and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Host and port of a `NO_PROXY` entry: `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address
 * (its colons are not a port). IPv6 addresses come back in the compressed form URLs use.
 */
function splitNoProxyEntry(entry: string): { host: string; port: string | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  const colons = entry.split(':').length - 1;
  if (bracketed === null && colons < 2) {
    const match = /^(.*?)(?::(\d+))?$/.exec(entry);
    return { host: match?.[1] ?? entry, port: match?.[2] };
  }
  const address = bracketed?.[1] ?? entry;
  let host = address;
  try {
    host = new URL(`http://[${address}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    // Not an IPv6 address after all: compared as written, and matches nothing.
  }
  return { host, port: bracketed?.[2] };
}

/** True when `NO_PROXY` names the target (`*`, a host, a `.domain` or a domain suffix, optional port). */
export function matchesNoProxy(target: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' || target.protocol === 'wss:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const { host: entryName, port: entryPort } = splitNoProxyEntry(entry);
    const entryHost = entryName.replace(/^\*?\./, '.');
    if (entryPort && entryPort !== port) continue;
    if (
      entryHost.startsWith('.')
        ? host.endsWith(entryHost) || host === entryHost.slice(1)
        : host === entryHost || host.endsWith(`.${entryHost}`)
    ) {
      return true;
    }
  }
  return false;
}

/**
 * The proxy a request to `target` goes through, or `undefined` for a direct connection.
 * `explicit`: a proxy URL applies to every target; `false` means never a proxy. Otherwise
 * `HTTPS_PROXY` (https and wss targets) or `HTTP_PROXY` (http and ws targets) apply, except for
 * targets `NO_PROXY` names and for loopback targets.
 */
export function proxyForUrl(
  target: string | URL,
  explicit?: string | false,
  env: Env = process.env,
): string | undefined {
  if (explicit === false) return undefined;
  if (explicit) return explicit;
  const url = typeof target === 'string' ? new URL(target) : target;
  if (isLoopbackHost(url.hostname)) return undefined;
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const proxy = secure ? (envValue(env, 'HTTPS_PROXY') ?? envValue(env, 'HTTP_PROXY')) : envValue(env, 'HTTP_PROXY');
  if (!proxy) return undefined;
  return matchesNoProxy(url, envValue(env, 'NO_PROXY')) ? undefined : proxy;
}
