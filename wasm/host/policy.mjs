// Connection policy for the hostnet_v1 reference host: allow rules, address
// classification, and the decision for one (name, port, address) triple.
// Default deny. See wasm/README.md, "Policy".
import net from 'node:net';

export function parseIPv4(s) {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return null;
  const b = s.split('.').map(Number);
  return b.every((x) => x <= 255) ? b : null;
}

export function parseIPv6(s) {
  s = s.replace(/%.*$/, '');
  if (!net.isIPv6(s)) return null;
  const m = s.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (m) {
    const v4 = parseIPv4(m[2]);
    if (!v4) return null;
    s = m[1] + ((v4[0] << 8) | v4[1]).toString(16) + ':' + ((v4[2] << 8) | v4[3]).toString(16);
  }
  const parts = s.split('::');
  const head = parts[0] ? parts[0].split(':') : [];
  let groups = head;
  if (parts.length === 2) {
    const tail = parts[1] ? parts[1].split(':') : [];
    groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  }
  if (groups.length !== 8) return null;
  const out = [];
  for (const g of groups) {
    const v = parseInt(g, 16);
    out.push(v >> 8, v & 0xff);
  }
  return out;
}

// An address as {family, bytes, text}; IPv4-mapped and NAT64 IPv6 addresses
// are reduced to the IPv4 address they carry, so ranges cannot be dodged.
export function parseAddress(s) {
  const v4 = parseIPv4(s);
  if (v4) return { family: 4, bytes: v4, text: s };
  const v6 = parseIPv6(s);
  if (!v6) return null;
  const mapped = v6.slice(0, 10).every((x) => x === 0) && v6[10] === 0xff && v6[11] === 0xff;
  const nat64 = v6[0] === 0 && v6[1] === 0x64 && v6[2] === 0xff && v6[3] === 0x9b && v6.slice(4, 12).every((x) => x === 0);
  if (mapped || nat64) return { family: 4, bytes: v6.slice(12), text: s };
  return { family: 6, bytes: v6, text: s };
}

function inPrefix(addr, net_, bits) {
  if (addr.family !== net_.family) return false;
  for (let i = 0; i < addr.bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr.bytes[i] & mask) !== (net_.bytes[i] & mask)) return false;
  }
  return true;
}

function cidr(text) {
  const [a, len] = text.split('/');
  const addr = parseAddress(a);
  const bits = len === undefined ? addr.bytes.length * 8 : Number(len);
  return { addr, bits };
}

// Ranges that are never reachable through a name or `*` rule: only an
// address rule (IP literal or CIDR) covering the address, or the exact name
// `localhost` for loopback, names them.
const SPECIAL = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignment'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fc00::/7', 'private (unique local)'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
].map(([t, label]) => ({ ...cidr(t), label }));

export function specialRange(addr) {
  for (const r of SPECIAL) if (inPrefix(addr, r.addr, r.bits)) return r.label;
  return null;
}

function parsePorts(spec, rule) {
  if (spec === '*') return null; // any port
  const ranges = [];
  for (const item of spec.split(',')) {
    const m = item.trim().match(/^(\d+)(?:-(\d+))?$/);
    if (!m) throw new Error(`bad port list in rule '${rule}': '${item}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 1 || hi > 65535 || lo > hi) throw new Error(`port out of range in rule '${rule}': '${item}'`);
    ranges.push([lo, hi]);
  }
  return ranges;
}

export function normalizeName(name) {
  let n = name.toLowerCase();
  if (n.startsWith('[') && n.endsWith(']')) n = n.slice(1, -1);
  if (n.endsWith('.') && n.length > 1) n = n.slice(0, -1);
  return n;
}

// Rule syntax: HOST[:PORTS]. HOST: `*`, `*.suffix`, an exact name, an IPv4
// literal, `[IPv6]`, or a CIDR range (`10.0.0.0/8`, `[fd00::/8]`). PORTS: `*`,
// or a comma list of ports and ranges (`443`, `8443,8444`, `8000-8099`).
// No PORTS means any port.
export function parseRule(text) {
  let host;
  let ports = '*';
  const t = text.trim();
  const br = t.match(/^\[([^\]]+)\](?::(.+))?$/);
  if (br) {
    host = br[1];
    if (br[2] !== undefined) ports = br[2];
  } else if (net.isIPv6(t.split('/')[0])) {
    host = t;
  } else {
    const i = t.indexOf(':');
    host = i < 0 ? t : t.slice(0, i);
    if (i >= 0) ports = t.slice(i + 1);
  }
  if (!host) throw new Error(`empty host in rule '${text}'`);
  const rule = { text: t, ports: parsePorts(ports, t) };
  const a = host.split('/');
  if (parseAddress(a[0])) {
    const addr = parseAddress(a[0]);
    const max = addr.bytes.length * 8;
    // /^\d+$/ first: Number('') is 0, so '10.0.0.0/' would otherwise mean /0
    const bits = a.length > 1 ? (/^\d+$/.test(a[1]) ? Number(a[1]) : NaN) : max;
    if (a.length > 2 || !Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`bad CIDR prefix in rule '${text}'`);
    return { ...rule, kind: 'addr', addr, bits };
  }
  if (a.length > 1) throw new Error(`bad CIDR range in rule '${text}' (not an IP address)`);
  const name = normalizeName(host);
  if (name === '*') return { ...rule, kind: 'any' };
  if (name.startsWith('*.')) {
    if (!/^[a-z0-9_.-]+$/.test(name.slice(2))) throw new Error(`bad name suffix in rule '${text}'`);
    return { ...rule, kind: 'suffix', suffix: name.slice(1) };
  }
  if (!/^[a-z0-9_.-]+$/.test(name)) throw new Error(`bad host name in rule '${text}'`);
  return { ...rule, kind: 'name', name };
}

function portOk(rule, port) {
  return rule.ports === null || rule.ports.some(([lo, hi]) => port >= lo && port <= hi);
}

function nameOk(rule, name) {
  if (rule.kind === 'any') return true;
  if (rule.kind === 'suffix') return name.endsWith(rule.suffix) && name.length > rule.suffix.length;
  if (rule.kind === 'name') return rule.name === name;
  return false;
}

const LOOPBACK = [cidr('127.0.0.0/8'), cidr('::1/128')];

export class Policy {
  constructor(rules = []) {
    this.rules = rules.map((r) => (typeof r === 'string' ? parseRule(r) : r));
  }

  // Before any DNS query: can some rule possibly allow NAME:PORT? Returns
  // null if so, else the reason for refusing (no lookup is made then).
  precheck(name, port) {
    const withPort = this.rules.filter((r) => portOk(r, port));
    if (withPort.length === 0) return { reason: `no rule allows port ${port}` };
    if (withPort.some((r) => r.kind === 'addr' || nameOk(r, name))) return null;
    return { reason: `no rule allows host '${name}' on port ${port}` };
  }

  // The decision for one resolved address: {allow, rule, reason}.
  check(name, port, addrText) {
    const addr = parseAddress(addrText);
    if (!addr) return { allow: false, reason: `unparsable address '${addrText}'` };
    const special = specialRange(addr);
    let why = null;
    for (const r of this.rules) {
      if (!portOk(r, port)) continue;
      if (r.kind === 'addr') {
        if (inPrefix(addr, r.addr, r.bits)) return { allow: true, rule: r.text };
        continue;
      }
      if (!nameOk(r, name)) continue;
      if (!special) return { allow: true, rule: r.text };
      const loop = LOOPBACK.some((l) => inPrefix(addr, l.addr, l.bits));
      if (r.kind === 'name' && r.name === 'localhost' && loop) return { allow: true, rule: r.text };
      why = `${addrText} is a ${special} address and rule '${r.text}' does not name it (add a rule for the address or its range)`;
    }
    if (why) return { allow: false, reason: why };
    if (special) return { allow: false, reason: `${addrText} is a ${special} address and no rule names it` };
    return { allow: false, reason: `no rule allows ${name}:${port} at ${addrText}` };
  }
}
