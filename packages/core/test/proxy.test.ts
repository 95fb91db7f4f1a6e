import { describe, expect, it } from 'vitest';
import { isLoopbackHost, matchesNoProxy, proxyForUrl } from '../src/index.js';

describe('proxy selection', () => {
  const env = {
    HTTPS_PROXY: 'http://proxy.corp:3128',
    HTTP_PROXY: 'http://plain.corp:3128',
    NO_PROXY: '.internal, api.example.com:8443',
  };

  it('uses HTTPS_PROXY for https and wss, HTTP_PROXY for http', () => {
    expect(proxyForUrl('https://ingest.us0.signalfx.com', undefined, env)).toBe('http://proxy.corp:3128');
    expect(proxyForUrl('wss://stream.us0.signalfx.com', undefined, env)).toBe('http://proxy.corp:3128');
    expect(proxyForUrl('http://ingest.example.com', undefined, env)).toBe('http://plain.corp:3128');
  });

  it('reads lower-case variables too', () => {
    expect(proxyForUrl('https://a.example.com', undefined, { https_proxy: 'http://p:1' })).toBe('http://p:1');
  });

  it('honours NO_PROXY suffixes and ports', () => {
    expect(proxyForUrl('https://db.internal', undefined, env)).toBeUndefined();
    expect(proxyForUrl('https://internal', undefined, env)).toBeUndefined();
    expect(proxyForUrl('https://api.example.com:8443', undefined, env)).toBeUndefined();
    expect(proxyForUrl('https://api.example.com', undefined, env)).toBe('http://proxy.corp:3128');
    expect(matchesNoProxy(new URL('https://x.y'), '*')).toBe(true);
    expect(matchesNoProxy(new URL('https://sub.example.org'), 'example.org')).toBe(true);
    expect(matchesNoProxy(new URL('https://badexample.org'), 'example.org')).toBe(false);
  });

  it('honours IPv6 addresses in NO_PROXY, bare or bracketed, with or without a port', () => {
    expect(matchesNoProxy(new URL('http://[2001:db8::1]/'), '2001:db8::1')).toBe(true);
    expect(matchesNoProxy(new URL('http://[2001:db8::1]/'), '[2001:db8::1]')).toBe(true);
    expect(matchesNoProxy(new URL('http://[2001:db8::1]/'), '2001:0db8:0:0::0001')).toBe(true);
    expect(matchesNoProxy(new URL('http://[2001:db8::1]:8080/'), '[2001:db8::1]:8080')).toBe(true);
    expect(matchesNoProxy(new URL('http://[2001:db8::1]:8081/'), '[2001:db8::1]:8080')).toBe(false);
    expect(matchesNoProxy(new URL('http://[2001:db8::2]/'), '2001:db8::1')).toBe(false);
    expect(
      proxyForUrl('https://[2001:db8::1]:443/', undefined, { ...env, NO_PROXY: 'x.y, 2001:db8::1' }),
    ).toBeUndefined();
    expect(proxyForUrl('https://[2001:db8::2]/', undefined, { ...env, NO_PROXY: '2001:db8::1' })).toBe(
      'http://proxy.corp:3128',
    );
  });

  it('never proxies loopback targets from the environment, but does from an explicit option', () => {
    expect(proxyForUrl('http://127.0.0.1:8080', undefined, env)).toBeUndefined();
    expect(proxyForUrl('http://localhost:8080', undefined, env)).toBeUndefined();
    expect(proxyForUrl('http://[::1]:8080', undefined, env)).toBeUndefined();
    expect(proxyForUrl('http://127.0.0.1:8080', 'http://127.0.0.1:3128', env)).toBe('http://127.0.0.1:3128');
  });

  it('`false` disables every proxy', () => {
    expect(proxyForUrl('https://ingest.us0.signalfx.com', false, env)).toBeUndefined();
  });

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.9.9.9', '[::1]', 'a.localhost'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'example.com', '169.254.169.254'].some(isLoopbackHost)).toBe(false);
  });
});
