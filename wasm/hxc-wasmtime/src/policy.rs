//! The connection policy: allow rules, address classification and the
//! decision for one (name, port, address) triple. Default deny.
//!
//! A port of the Node reference host's `wasm/host/policy.mjs`, rule for rule:
//! both hosts must decide alike (wasm/README.md, section 2, is the spec).

use std::net::Ipv6Addr;

/// An address as the policy sees it: IPv4-mapped (`::ffff:a.b.c.d`) and NAT64
/// (`64:ff9b::/96`) IPv6 addresses are reduced to the IPv4 address they
/// carry, so ranges cannot be dodged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addr {
    bytes: Vec<u8>, // 4 or 16
}

/// `a.b.c.d`, each part 1-3 decimal digits up to 255 (policy.mjs's `parseIPv4`).
fn parse_ipv4(s: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut out = Vec::with_capacity(4);
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push(u8::try_from(p.parse::<u32>().ok()?).ok()?);
    }
    Some(out)
}

/// An IPv6 literal without brackets; a `%zone` suffix is ignored.
fn parse_ipv6(s: &str) -> Option<[u8; 16]> {
    let s = s.split('%').next().unwrap_or(s);
    s.parse::<Ipv6Addr>().ok().map(|a| a.octets())
}

impl Addr {
    /// Parses an IPv4 or IPv6 literal (no brackets); `None` for anything else.
    pub fn parse(s: &str) -> Option<Addr> {
        if let Some(v4) = parse_ipv4(s) {
            return Some(Addr { bytes: v4 });
        }
        Some(Addr::from_v6(parse_ipv6(s)?))
    }

    fn from_v6(v6: [u8; 16]) -> Addr {
        let mapped = v6[..10].iter().all(|&b| b == 0) && v6[10] == 0xff && v6[11] == 0xff;
        let nat64 = v6[..4] == [0, 0x64, 0xff, 0x9b] && v6[4..12].iter().all(|&b| b == 0);
        if mapped || nat64 {
            return Addr {
                bytes: v6[12..].to_vec(),
            };
        }
        Addr { bytes: v6.to_vec() }
    }

    fn bits(&self) -> u32 {
        self.bytes.len() as u32 * 8
    }

    fn in_prefix(&self, net: &Addr, bits: u32) -> bool {
        if self.bytes.len() != net.bytes.len() {
            return false;
        }
        let mut left = bits;
        for (a, n) in self.bytes.iter().zip(&net.bytes) {
            if left == 0 {
                break;
            }
            let mask: u8 = if left >= 8 { 0xff } else { 0xff << (8 - left) };
            if a & mask != n & mask {
                return false;
            }
            left = left.saturating_sub(8);
        }
        true
    }
}

/// Ranges never reachable through a name or `*` rule: only an address rule
/// (IP literal or CIDR) covering the address, or the exact name `localhost`
/// for loopback, names them.
const SPECIAL: &[(&str, u32, &str)] = &[
    ("0.0.0.0", 8, "unspecified (\"this network\")"),
    ("10.0.0.0", 8, "private"),
    ("100.64.0.0", 10, "shared (carrier-grade NAT)"),
    ("127.0.0.0", 8, "loopback"),
    ("169.254.0.0", 16, "link-local"),
    ("172.16.0.0", 12, "private"),
    ("192.0.0.0", 24, "IETF protocol assignment"),
    ("192.168.0.0", 16, "private"),
    ("198.18.0.0", 15, "benchmarking"),
    ("224.0.0.0", 4, "multicast"),
    ("240.0.0.0", 4, "reserved"),
    ("::", 128, "unspecified"),
    ("::1", 128, "loopback"),
    ("fc00::", 7, "private (unique local)"),
    ("fe80::", 10, "link-local"),
    ("ff00::", 8, "multicast"),
];

/// The label of the non-public range `addr` is in, if any.
pub fn special_range(addr: &Addr) -> Option<&'static str> {
    SPECIAL.iter().find_map(|&(net, bits, label)| {
        let net = Addr::parse(net).expect("the special ranges are valid literals");
        addr.in_prefix(&net, bits).then_some(label)
    })
}

fn is_loopback(addr: &Addr) -> bool {
    let v4 = Addr::parse("127.0.0.0").expect("literal");
    let v6 = Addr::parse("::1").expect("literal");
    addr.in_prefix(&v4, 8) || addr.in_prefix(&v6, 128)
}

#[derive(Clone, Debug)]
enum Host {
    /// `*`: any name or IP literal
    Any,
    /// `*.example.com`, stored as `.example.com`
    Suffix(String),
    /// an exact name
    Name(String),
    /// an IP literal or CIDR range
    Addr(Addr, u32),
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub text: String,
    host: Host,
    /// `None`: any port; else inclusive ranges
    ports: Option<Vec<(u32, u32)>>,
}

/// Lower case, brackets and one trailing dot removed (policy.mjs's `normalizeName`).
pub fn normalize_name(name: &str) -> String {
    let mut n = name.to_lowercase();
    if n.starts_with('[') && n.ends_with(']') && n.len() >= 2 {
        n = n[1..n.len() - 1].to_string();
    }
    if n.ends_with('.') && n.len() > 1 {
        n.pop();
    }
    n
}

fn parse_ports(spec: &str, rule: &str) -> Result<Option<Vec<(u32, u32)>>, String> {
    if spec == "*" {
        return Ok(None);
    }
    let mut ranges = Vec::new();
    for item in spec.split(',') {
        let bad = || format!("bad port list in rule '{rule}': '{item}'");
        let t = item.trim();
        let (lo, hi) = match t.split_once('-') {
            Some((a, b)) => (a, Some(b)),
            None => (t, None),
        };
        let num = |s: &str| -> Result<u64, String> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            Ok(s.parse::<u64>().unwrap_or(u64::MAX)) // all digits: only overflow can fail
        };
        let lo = num(lo)?;
        let hi = match hi {
            Some(h) => num(h)?,
            None => lo,
        };
        if lo < 1 || hi > 65535 || lo > hi {
            return Err(format!("port out of range in rule '{rule}': '{item}'"));
        }
        ranges.push((lo as u32, hi as u32));
    }
    Ok(Some(ranges))
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
}

/// Rule syntax: `HOST[:PORTS]`. HOST: `*`, `*.suffix`, an exact name, an IPv4
/// literal, `[IPv6]`, or a CIDR range (`10.0.0.0/8`, `[fd00::/8]`). PORTS:
/// `*`, or a comma list of ports and ranges (`443`, `8443,8444`,
/// `8000-8099`). No PORTS means any port. Errors name the rule.
pub fn parse_rule(text: &str) -> Result<Rule, String> {
    let t = text.trim();
    let mut ports = "*";
    let host: &str;
    let bracketed = t.strip_prefix('[').and_then(|rest| {
        let close = rest.find(']')?;
        let (inner, after) = (&rest[..close], &rest[close + 1..]);
        if inner.is_empty() {
            return None;
        }
        match after {
            "" => Some((inner, None)),
            a if a.len() > 1 && a.starts_with(':') => Some((inner, Some(&a[1..]))),
            _ => None,
        }
    });
    if let Some((inner, p)) = bracketed {
        host = inner;
        if let Some(p) = p {
            ports = p;
        }
    } else if parse_ipv6(t.split('/').next().unwrap_or("")).is_some() {
        host = t;
    } else {
        match t.split_once(':') {
            Some((h, p)) => {
                host = h;
                ports = p;
            }
            None => host = t,
        }
    }
    if host.is_empty() {
        return Err(format!("empty host in rule '{text}'"));
    }
    let ports = parse_ports(ports, t)?;
    let rule = |host| Rule {
        text: t.to_string(),
        host,
        ports: ports.clone(),
    };
    let parts: Vec<&str> = host.split('/').collect();
    if let Some(addr) = Addr::parse(parts[0]) {
        let max = addr.bits();
        let bits = match parts.get(1) {
            None => Some(max),
            Some(b) if !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit()) => {
                b.parse::<u32>().ok()
            }
            Some(_) => None,
        };
        return match bits {
            Some(bits) if parts.len() <= 2 && bits <= max => Ok(rule(Host::Addr(addr, bits))),
            _ => Err(format!("bad CIDR prefix in rule '{text}'")),
        };
    }
    if parts.len() > 1 {
        return Err(format!(
            "bad CIDR range in rule '{text}' (not an IP address)"
        ));
    }
    let name = normalize_name(host);
    if name == "*" {
        return Ok(rule(Host::Any));
    }
    if let Some(suffix) = name.strip_prefix("*.") {
        if !valid_name(suffix) {
            return Err(format!("bad name suffix in rule '{text}'"));
        }
        return Ok(rule(Host::Suffix(name[1..].to_string())));
    }
    if !valid_name(&name) {
        return Err(format!("bad host name in rule '{text}'"));
    }
    Ok(rule(Host::Name(name)))
}

impl Rule {
    fn port_ok(&self, port: u32) -> bool {
        self.ports
            .as_ref()
            .is_none_or(|r| r.iter().any(|&(lo, hi)| port >= lo && port <= hi))
    }

    fn name_ok(&self, name: &str) -> bool {
        match &self.host {
            Host::Any => true,
            Host::Suffix(s) => name.ends_with(s.as_str()) && name.len() > s.len(),
            Host::Name(n) => n == name,
            Host::Addr(..) => false,
        }
    }
}

/// One decision: `Ok(rule text)` allows, `Err(reason)` refuses.
pub type Decision = Result<String, String>;

#[derive(Clone, Debug, Default)]
pub struct Policy {
    rules: Vec<Rule>,
}

impl Policy {
    pub fn new(rules: &[String]) -> Result<Policy, String> {
        Ok(Policy {
            rules: rules
                .iter()
                .map(|r| parse_rule(r))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Before any DNS query: can some rule possibly allow NAME:PORT? `None`
    /// if so, else the reason for refusing (no lookup is made then).
    pub fn precheck(&self, name: &str, port: u32) -> Option<String> {
        let with_port: Vec<&Rule> = self.rules.iter().filter(|r| r.port_ok(port)).collect();
        if with_port.is_empty() {
            return Some(format!("no rule allows port {port}"));
        }
        if with_port
            .iter()
            .any(|r| matches!(r.host, Host::Addr(..)) || r.name_ok(name))
        {
            return None;
        }
        Some(format!("no rule allows host '{name}' on port {port}"))
    }

    /// The same question without a port, for a name lookup that does not
    /// say which port the addresses are for (wasi:sockets ip-name-lookup).
    pub fn precheck_any_port(&self, name: &str) -> Option<String> {
        if self
            .rules
            .iter()
            .any(|r| matches!(r.host, Host::Addr(..)) || r.name_ok(name))
        {
            return None;
        }
        Some(format!("no rule allows host '{name}' on any port"))
    }

    /// The decision for one resolved address (`addr_text` as resolved or given).
    pub fn check(&self, name: &str, port: u32, addr_text: &str) -> Decision {
        let Some(addr) = Addr::parse(addr_text) else {
            return Err(format!("unparsable address '{addr_text}'"));
        };
        let special = special_range(&addr);
        let mut why = None;
        for r in &self.rules {
            if !r.port_ok(port) {
                continue;
            }
            if let Host::Addr(net, bits) = &r.host {
                if addr.in_prefix(net, *bits) {
                    return Ok(r.text.clone());
                }
                continue;
            }
            if !r.name_ok(name) {
                continue;
            }
            let Some(label) = special else {
                return Ok(r.text.clone());
            };
            if matches!(&r.host, Host::Name(n) if n == "localhost") && is_loopback(&addr) {
                return Ok(r.text.clone());
            }
            why = Some(format!(
                "{addr_text} is a {label} address and rule '{}' does not name it (add a rule for the address or its range)",
                r.text
            ));
        }
        if let Some(why) = why {
            return Err(why);
        }
        if let Some(label) = special {
            return Err(format!(
                "{addr_text} is a {label} address and no rule names it"
            ));
        }
        Err(format!("no rule allows {name}:{port} at {addr_text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(rules: &[&str]) -> Policy {
        Policy::new(&rules.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn names_suffixes_and_ports() {
        let pol = p(&[
            "api.example.com:443",
            "*.cdn.test:8000-8099",
            "x.test:80,8080",
        ]);
        assert_eq!(
            pol.check("api.example.com", 443, "203.0.113.7"),
            Ok("api.example.com:443".into())
        );
        assert!(pol.check("api.example.com", 444, "203.0.113.7").is_err());
        assert!(pol.check("a.cdn.test", 8050, "203.0.113.7").is_ok());
        assert!(pol.check("cdn.test", 8050, "203.0.113.7").is_err());
        assert!(pol.check("x.test", 8080, "203.0.113.7").is_ok());
        assert_eq!(
            pol.precheck("evil.example", 443),
            Some("no rule allows host 'evil.example' on port 443".into())
        );
        assert_eq!(
            pol.precheck("api.example.com", 1),
            Some("no rule allows port 1".into())
        );
        assert_eq!(pol.precheck("api.example.com", 443), None);
    }

    #[test]
    fn special_ranges_need_a_rule_that_names_them() {
        let pol = p(&["*:443", "rebind.test:443", "localhost:8443"]);
        assert_eq!(
            pol.check("rebind.test", 443, "127.0.0.1"),
            Err("127.0.0.1 is a loopback address and rule 'rebind.test:443' does not name it (add a rule for the address or its range)".into())
        );
        assert!(pol.check("x", 443, "10.1.2.3").is_err());
        assert!(pol.check("x", 443, "::ffff:10.1.2.3").is_err());
        assert!(pol.check("x", 443, "64:ff9b::a01:203").is_err());
        assert!(pol.check("x", 443, "203.0.113.7").is_ok());
        assert!(pol.check("localhost", 8443, "127.0.0.1").is_ok());
        assert!(pol.check("localhost", 8443, "::1").is_ok());
        assert!(pol.check("localhost", 8443, "10.0.0.1").is_err());
        assert_eq!(
            p(&[]).check("x", 1, "192.168.1.1"),
            Err("192.168.1.1 is a private address and no rule names it".into())
        );
    }

    #[test]
    fn address_rules() {
        let pol = p(&["127.0.0.0/8:9000", "[::1]:*", "[fd00::/8]", "203.0.113.7"]);
        assert_eq!(
            pol.check("lab.test", 9000, "127.0.0.1"),
            Ok("127.0.0.0/8:9000".into())
        );
        assert!(pol.check("lab.test", 9001, "127.0.0.1").is_err());
        assert!(pol.check("a", 1, "::1").is_ok());
        assert!(pol.check("a", 1, "fd12::1").is_ok());
        assert!(pol.check("a", 1, "203.0.113.7").is_ok());
        assert_eq!(pol.precheck("anything.test", 5), None);
    }

    #[test]
    fn bad_rules_name_themselves() {
        let e = |r: &str| parse_rule(r).unwrap_err();
        assert_eq!(e("bad rule:x"), "bad port list in rule 'bad rule:x': 'x'");
        assert_eq!(e("a.test:0"), "port out of range in rule 'a.test:0': '0'");
        assert_eq!(
            e("a.test:9-8"),
            "port out of range in rule 'a.test:9-8': '9-8'"
        );
        assert_eq!(e("10.0.0.0/33"), "bad CIDR prefix in rule '10.0.0.0/33'");
        assert_eq!(
            e("a.test/8"),
            "bad CIDR range in rule 'a.test/8' (not an IP address)"
        );
        assert_eq!(e("*.a b"), "bad name suffix in rule '*.a b'");
        assert_eq!(e(":443"), "empty host in rule ':443'");
        assert!(parse_rule("::1").is_ok());
        assert!(parse_rule("fd00::/8").is_ok());
        assert!(parse_rule("Example.COM.:443").is_ok());
    }
}
