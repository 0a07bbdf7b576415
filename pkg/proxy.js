/**
 * Which proxy a request goes through, by the rules of Go's `http.ProxyFromEnvironment`
 * (golang.org/x/net/http/httpproxy), as the EKS Pod Identity Agent calls EKS Auth:
 *
 * - `HTTPS_PROXY` (else `https_proxy`) for https URLs, `HTTP_PROXY` (else `http_proxy`) for http;
 *   the upper-case name first, an empty value as unset. A value without a scheme is `http://`.
 * - Never for `localhost` or a loopback address.
 * - `NO_PROXY` (else `no_proxy`): a comma list, case-insensitive. `*` alone: no proxy at all. A CIDR
 *   (`10.0.0.0/8`, `fd00::/8`) matches the addresses in it, whatever the port. An IP matches that
 *   address. A domain matches itself and its subdomains (`foo.com`: `foo.com`, `a.foo.com`); with a
 *   leading `.` or `*.` its subdomains only. An IP or a domain may name a port (`foo.com:8443`,
 *   `[::1]:80`), then matches that port only; the request's port is its URL's, else 80 or 443.
 *
 * Not `proxy-from-env` (npm): it reads `no_proxy` first and `npm_config_*`, matches a bare
 * domain exactly (not its subdomains), has no CIDRs and proxies loopback.
 */
import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';

const DEFAULT_PORTS = { 'http:': '80', 'https:': '443' };
const PROXY_SCHEMES = new Set(['http:', 'https:', 'socks5:']);

/**
 * The proxy function for an environment: `(url) => URL | undefined`, the proxy's URL, or
 * undefined for a direct connection. Read once, as Go reads the environment once.
 * @param {Record<string, string|undefined>} env
 * @returns {((url: URL) => URL | undefined) & { proxies: boolean, httpsProxy?: URL, httpProxy?: URL }}
 *   `proxies`: whether any proxy is set
 */
export function proxyFromEnvironment(env) {
  const httpProxy = parseProxy(firstSet(env, 'HTTP_PROXY', 'http_proxy'));
  const httpsProxy = parseProxy(firstSet(env, 'HTTPS_PROXY', 'https_proxy'));
  const bypass = noProxyMatcher(firstSet(env, 'NO_PROXY', 'no_proxy') ?? '');
  const proxyFor = (url) => {
    const proxy = url.protocol === 'https:' ? httpsProxy : url.protocol === 'http:' ? httpProxy : undefined;
    if (proxy === undefined) return undefined;
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port || DEFAULT_PORTS[url.protocol];
    return bypass(host.toLowerCase(), port) ? undefined : proxy;
  };
  proxyFor.proxies = httpProxy !== undefined || httpsProxy !== undefined;
  proxyFor.httpsProxy = httpsProxy;
  proxyFor.httpProxy = httpProxy;
  return proxyFor;
}

function firstSet(env, ...names) {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** A proxy URL; `host:port` alone is `http://host:port`. An unparsable one is ignored, as Go's. */
function parseProxy(text) {
  if (text === undefined) return undefined;
  let url;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !PROXY_SCHEMES.has(url.protocol)) {
    try {
      return new URL(`http://${text}`);
    } catch {
      return url;
    }
  }
  return url;
}

/** Whether a request to `host` (lower case, no brackets) on `port` goes direct. */
function noProxyMatcher(list) {
  const loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  const networks = new BlockList();
  const addresses = []; // { ip, port }
  const domains = []; // { suffix: '.foo.com', port, itself }
  let all = false;
  for (const raw of list.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') {
      all = true;
      break;
    }
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    if (cidr && isIP(cidr[1]) !== 0) {
      const family = isIP(cidr[1]) === 4 ? 'ipv4' : 'ipv6';
      const prefix = Number(cidr[2]);
      if (prefix <= (family === 'ipv4' ? 32 : 128)) networks.addSubnet(cidr[1], prefix, family);
      continue;
    }
    const split = splitHostPort(entry);
    let host = split?.host ?? entry;
    const port = split?.port ?? '';
    if (split && host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    if (isIP(host) !== 0) {
      addresses.push({ ip: canonicalIp(host), port });
      continue;
    }
    if (host === '') continue;
    if (host.startsWith('*.')) host = host.slice(1);
    const itself = !host.startsWith('.');
    const name = itself ? host : host.slice(1);
    // Request hosts come punycoded (WHATWG URL); so must the entry.
    const ascii = /^[\x00-\x7f]*$/.test(name) ? name : domainToASCII(name) || name;
    domains.push({ suffix: `.${ascii}`, port, itself });
  }
  return (host, port) => {
    if (host === 'localhost') return true;
    const family = isIP(host);
    if (family !== 0 && loopback.check(host, family === 4 ? 'ipv4' : 'ipv6')) return true;
    if (all) return true;
    const portMatches = (wanted) => wanted === '' || wanted === port;
    if (family !== 0) {
      if (networks.check(host, family === 4 ? 'ipv4' : 'ipv6')) return true;
      const ip = canonicalIp(host);
      if (addresses.some((a) => a.ip === ip && portMatches(a.port))) return true;
    }
    return domains.some((d) => (host.endsWith(d.suffix) || (d.itself && host === d.suffix.slice(1))) && portMatches(d.port));
  };
}

/** Go's `net.SplitHostPort`: `host:port` or `[v6]:port`; undefined when there is no port. */
function splitHostPort(text) {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1 || text[end + 1] !== ':') return undefined;
    return { host: text.slice(0, end + 1), port: text.slice(end + 2) };
  }
  const colon = text.lastIndexOf(':');
  if (colon === -1 || text.indexOf(':') !== colon) return undefined; // none, or a bare IPv6 address
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** One spelling per address (`::0:1` and `::1` alike), as Go compares parsed IPs. */
function canonicalIp(ip) {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}
