/**
 * Kubernetes' CEL URL and IP/CIDR libraries (k8s.io/apiserver/pkg/cel/library urls.go, ip.go,
 * cidr.go): the parsing rules of Go's `net/url` and `net/netip` they are built on, so a policy
 * written for Kubernetes reads the same here. Values as conditions hold them: an IP is its
 * canonical text (`'10.0.0.1'`, `'2001:db8::1'`), a CIDR `<address>/<bits>` (the address as
 * written, canonical), a URL the text it was parsed from; each helper re-reads them.
 */
import { fail } from './cel-runtime.js';

/** An address: its family and its bits (32 or 128 of them) as one bigint. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bits: bigint;
}

const IPV4 = /^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): bigint | undefined {
  const m = IPV4.exec(text);
  if (m === null) return undefined;
  let bits = 0n;
  for (const part of m.slice(1)) {
    // netip refuses leading zeros (they read as octal elsewhere).
    if ((part.length > 1 && part.startsWith('0')) || Number(part) > 255) return undefined;
    bits = (bits << 8n) | BigInt(part);
  }
  return bits;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (HEX_GROUP.test(piece)) {
        out.push(Number.parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  // An embedded IPv4 address only ends the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined;
  const given = head.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - given).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/**
 * `ip(s)` as Kubernetes parses it (Go's `netip.ParseAddr`): dotted IPv4 without leading zeros,
 * or IPv6; a zone (`%eth0`) and IPv4-mapped IPv6 (`::ffff:1.2.3.4`) are refused. Returns the
 * reason when `text` is not an address.
 */
export function parseIp(text: string): IpAddress | string {
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === undefined ? `'${text}' is not an IP address` : { family: 4, bits: v4 };
  }
  if (text.includes('%')) return `IP address with zone value is not allowed: '${text}'`;
  const v6 = parseIpv6(text);
  if (v6 === undefined) return `'${text}' is not an IP address`;
  if (v6 >> 32n === 0xffffn) return `IPv4-mapped IPv6 address is not allowed: '${text}'`;
  return { family: 6, bits: v6 };
}

/** The canonical text of an address (RFC 5952 for IPv6, as Go's `netip.Addr.String`). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.bits >> s) & 0xffn)).join('.');
  }
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => Number((ip.bits >> s) & 0xffffn));
  // The longest run of two or more zero groups (the first of equals) becomes '::'.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLength))}`;
}

/** The address held by an IP value (its canonical text), for the accessors. */
export function ipOf(value: string): IpAddress {
  const ip = parseIp(value);
  return typeof ip === 'string' ? fail(ip) : ip;
}

/** `ip(s)`: the canonical text, or an evaluation error. */
export function ipValue(text: string): string {
  return formatIp(ipOf(text));
}

export type IpPredicate =
  | 'isUnspecified'
  | 'isLoopback'
  | 'isLinkLocalMulticast'
  | 'isLinkLocalUnicast'
  | 'isGlobalUnicast';

const inPrefix = (ip: IpAddress, prefix: bigint, bits: number): boolean => {
  const width = BigInt(ip.family === 4 ? 32 : 128);
  const shift = width - BigInt(bits);
  return ip.bits >> shift === prefix >> shift;
};

/** `ip.isLoopback()` and its kin, with the ranges of Go's `netip`. */
export function ipPredicate(value: string, predicate: IpPredicate): boolean {
  const ip = ipOf(value);
  const v4 = ip.family === 4;
  const unspecified = ip.bits === 0n;
  const loopback = v4 ? inPrefix(ip, 0x7f000000n, 8) : ip.bits === 1n;
  const linkLocalUnicast = v4 ? inPrefix(ip, 0xa9fe0000n, 16) : inPrefix(ip, 0xfe80n << 112n, 10);
  switch (predicate) {
    case 'isUnspecified':
      return unspecified;
    case 'isLoopback':
      return loopback;
    case 'isLinkLocalMulticast':
      return v4 ? inPrefix(ip, 0xe0000000n, 24) : ((ip.bits >> 112n) & 0xff0fn) === 0xff02n;
    case 'isLinkLocalUnicast':
      return linkLocalUnicast;
    default: {
      const multicast = v4 ? inPrefix(ip, 0xe0000000n, 4) : inPrefix(ip, 0xffn << 120n, 8);
      const broadcast = v4 && ip.bits === 0xffffffffn;
      return !unspecified && !broadcast && !loopback && !multicast && !linkLocalUnicast;
    }
  }
}

/** A prefix: its address as written and its length. */
export interface IpPrefix {
  readonly ip: IpAddress;
  readonly length: number;
}

/**
 * `cidr(s)` as Kubernetes parses it (Go's `netip.ParsePrefix`): an address, '/', and a length
 * within its family's width, without leading zeros; the address need not be masked
 * (`cidr('10.0.0.1/8').ip()` is `10.0.0.1`). Returns the reason when `text` is not one.
 */
export function parseCidr(text: string): IpPrefix | string {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return `'${text}' is not a CIDR (no '/')`;
  const ip = parseIp(text.slice(0, slash));
  if (typeof ip === 'string') return `'${text}' is not a CIDR: ${ip}`;
  const bits = text.slice(slash + 1);
  const length = Number(bits);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bits) || length > (ip.family === 4 ? 32 : 128))
    return `'${text}' is not a CIDR (bad prefix length)`;
  return { ip, length };
}

function cidrOf(value: string): IpPrefix {
  const prefix = parseCidr(value);
  return typeof prefix === 'string' ? fail(prefix) : prefix;
}

/** `cidr(s)`: its canonical text, or an evaluation error. */
export function cidrValue(text: string): string {
  const prefix = cidrOf(text);
  return `${formatIp(prefix.ip)}/${prefix.length}`;
}

function contains(outer: IpPrefix, ip: IpAddress, length: number): boolean {
  return outer.ip.family === ip.family && outer.length <= length && inPrefix(ip, outer.ip.bits, outer.length);
}

/** `cidr.containsIP(ip)`: false for an address of the other family. */
export function cidrContainsIp(cidr: string, ip: string): boolean {
  const address = ipOf(ip);
  return contains(cidrOf(cidr), address, address.family === 4 ? 32 : 128);
}

/** `cidr.containsCIDR(other)`: every address of `other` is in `cidr`. */
export function cidrContainsCidr(cidr: string, other: string): boolean {
  const inner = cidrOf(other);
  return contains(cidrOf(cidr), inner.ip, inner.length);
}

/** `cidr.ip()`, `cidr.prefixLength()`, `cidr.masked()`. */
export function cidrIp(cidr: string): string {
  return formatIp(cidrOf(cidr).ip);
}
export function cidrPrefixLength(cidr: string): number {
  return cidrOf(cidr).length;
}
export function cidrMasked(cidr: string): string {
  const { ip, length } = cidrOf(cidr);
  const width = BigInt(ip.family === 4 ? 32 : 128);
  const shift = width - BigInt(length);
  return `${formatIp({ family: ip.family, bits: (ip.bits >> shift) << shift })}/${length}`;
}

/** The parts of a URL, as Go's `net/url` splits it. */
export interface UrlParts {
  readonly scheme: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly escapedPath: string;
  readonly rawQuery: string;
}

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
// Characters Go's url accepts in a host name besides letters and digits.
const HOST_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%]*$/;
const VALID_ENCODED_PATH = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@[\]/]|%[0-9A-Fa-f]{2})*$/;

/**
 * `url(s)` as Kubernetes parses it: Go's `url.ParseRequestURI` must accept `s` (an absolute URI
 * with a scheme, or an absolute path), then `url.Parse` splits it (a fragment is dropped).
 * Returns the reason when `text` is not a URL.
 */
export function parseUrl(text: string): UrlParts | string {
  const bad = (why: string) => `'${text}' is not a URL: ${why}`;
  if (text === '') return bad('empty');
  // Go refuses control characters in URLs.
  if (/[\u0000-\u001f\u007f]/.test(text)) return bad('invalid control character');
  let rest = text;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let scheme = '';
  const s = SCHEME.exec(rest);
  if (s !== null) {
    scheme = s[0].slice(0, -1).toLowerCase();
    rest = rest.slice(s[0].length);
  } else if (!rest.startsWith('/')) {
    return bad('an absolute URI (with a scheme) or an absolute path is required');
  }
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let host = '';
  if (scheme !== '' && !rest.startsWith('/')) {
    // An opaque URI (mailto:x): no host, no path.
    return { scheme, host: '', hostname: '', port: '', escapedPath: '', rawQuery };
  }
  if (scheme !== '' && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '' : rest.slice(end);
    host = authority.slice(authority.lastIndexOf('@') + 1);
    const hostError = checkHost(host);
    if (hostError !== undefined) return bad(hostError);
  }
  const path = unescapePath(rest);
  if (path === undefined) return bad('invalid escape in the path');
  const { hostname, port } = splitHost(host);
  return {
    scheme,
    host,
    hostname,
    port,
    escapedPath: VALID_ENCODED_PATH.test(rest) ? rest : escapePath(path),
    rawQuery,
  };
}

function checkHost(host: string): string | undefined {
  let name = host;
  let port = '';
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return "missing ']' in host";
    port = host.slice(close + 1);
    name = host.slice(1, close);
    if (port !== '' && !/^:[0-9]*$/.test(port)) return `invalid port '${port}' after host`;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) {
      port = host.slice(colon);
      name = host.slice(0, colon);
      if (!/^:[0-9]*$/.test(port)) return `invalid port '${port}' after host`;
    }
  }
  if (!HOST_CHARS.test(name) || /%(?![0-9A-Fa-f]{2})/.test(name)) return 'invalid character in host name';
  return undefined;
}

function splitHost(host: string): { hostname: string; port: string } {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return { hostname: host.slice(1, close), port: host.slice(close + 2) };
  }
  const colon = host.lastIndexOf(':');
  return colon < 0
    ? { hostname: host, port: '' }
    : { hostname: host.slice(0, colon), port: host.slice(colon + 1) };
}

function unescapePath(raw: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) return undefined;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === '%') {
      bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = raw.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(ch));
      i += ch.length;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Go's `escape(path, encodePath)`: everything but unreserved and `$&+,/:;=@` is escaped. */
function escapePath(path: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(path)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~$&+,/:;=@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function urlOf(value: string): UrlParts {
  const parts = parseUrl(value);
  return typeof parts === 'string' ? fail(parts) : parts;
}

/** `url(s)`: the text itself once it parses, or an evaluation error. */
export function urlValue(text: string): string {
  urlOf(text);
  return text;
}

export type UrlField = 'getScheme' | 'getHost' | 'getHostname' | 'getPort' | 'getEscapedPath';

/** `url.getHost()` and its kin (strings; `''` for a part the URL does not have). */
export function urlField(value: string, field: UrlField): string {
  const parts = urlOf(value);
  switch (field) {
    case 'getScheme':
      return parts.scheme;
    case 'getHost':
      return parts.host;
    case 'getHostname':
      return parts.hostname;
    case 'getPort':
      return parts.port;
    default:
      return parts.escapedPath;
  }
}

/**
 * `url.getQuery()`: Go's `url.ParseQuery` — pairs split on '&', '+' is a space, a pair with ';'
 * or a bad escape is dropped; each key maps to its values in order.
 */
export function urlQuery(value: string): Record<string, string[]> {
  // No prototype: a key such as '__proto__' is an ordinary key.
  const out: Record<string, string[]> = Object.create(null);
  for (const pair of urlOf(value).rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = unescapeQuery(eq < 0 ? pair : pair.slice(0, eq));
    const val = unescapeQuery(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || val === undefined) continue;
    if (!Object.hasOwn(out, key)) out[key] = [];
    out[key]!.push(val);
  }
  return out;
}

function unescapeQuery(text: string): string | undefined {
  return unescapePath(text.replaceAll('+', ' '));
}
