//! The command line: the Node reference host's (`wasm/host/hxc-host.mjs`)
//! options, parsed the same way, so either host runs under the same flags.

use crate::hostnet::Limits;
use crate::policy::Policy;
use std::collections::HashMap;
use std::sync::Arc;

pub const USAGE: &str = "usage: hxc-wasmtime [options] -- module.wasm [args...]
  --allow RULE          allow connections (repeatable). RULE is HOST[:PORTS]; HOST is
                        an exact name, *.suffix, *, an IP literal ([v6]) or a CIDR range;
                        PORTS is *, or a list like 443 or 8443,8444 or 8000-8099
  --resolve NAME:ADDR   pin NAME to ADDR instead of asking DNS (repeatable)
  --dir HOST::GUEST     preopen host directory HOST as GUEST (HOST alone: same path)
  --env K=V             environment variable for the module (none by default)
  --audit               log every connection decision to stderr
  --max-conns N         concurrent connections          --max-total-conns N  connections in all
  --max-bytes N         bytes in and bytes out each     --max-bytes-in N / --max-bytes-out N
  --timeout-ms N        wall-clock limit; the module is terminated when it passes
The module is a WASI preview-1 command module (hostnet_v1 sockets) or a WASI 0.2
command component (wasi:sockets, checked against the same rules). Compiled code is
cached in $HXC_WASMTIME_CACHE, else $XDG_CACHE_HOME/hxc-wasmtime, else
~/.cache/hxc-wasmtime (HXC_WASMTIME_CACHE=off: no cache).";

#[derive(Debug, Default)]
pub struct Options {
    pub allow: Vec<String>,
    pub policy: Arc<Policy>,
    /// name (lower case) -> pinned addresses
    pub resolve: HashMap<String, Vec<String>>,
    /// (host directory, guest path)
    pub dirs: Vec<(String, String)>,
    /// in first-set order; a later `--env` of the same key replaces the value
    pub env: Vec<(String, String)>,
    pub audit: bool,
    pub limits: Limits,
    /// `--max-conns`/`--max-bytes*` given: they cannot be metered for a component
    pub stream_quotas: Vec<&'static str>,
    pub timeout_ms: u64,
    pub module: String,
    pub args: Vec<String>,
}

/// What the command line asks for: a run, or help.
pub enum Parsed {
    Run(Box<Options>),
    Help,
}

/// Parses argv (without the program name). `Err` is the usage error's message.
pub fn parse(argv: &[String]) -> Result<Parsed, String> {
    let mut o = Options::default();
    let (mut max_bytes, mut max_in, mut max_out) = (None, None, None);
    let mut i = 0;
    let value = |i: &mut usize, flag: &str| -> Result<String, String> {
        if *i + 1 >= argv.len() {
            return Err(format!("{flag} needs a value"));
        }
        *i += 1;
        Ok(argv[*i].clone())
    };
    while i < argv.len() {
        let a = argv[i].as_str();
        match a {
            "--" => {
                i += 1;
                break;
            }
            "-h" | "--help" => return Ok(Parsed::Help),
            "--allow" => o.allow.push(value(&mut i, a)?),
            "--audit" => o.audit = true,
            "--dir" => {
                let d = value(&mut i, a)?;
                o.dirs.push(match d.split_once("::") {
                    Some((host, guest)) => (host.to_string(), guest.to_string()),
                    None => (d.clone(), d),
                });
            }
            "--env" => {
                let kv = value(&mut i, a)?;
                match kv.split_once('=') {
                    Some((k, v)) if !k.is_empty() => match o.env.iter_mut().find(|(ek, _)| ek == k)
                    {
                        Some(e) => e.1 = v.to_string(),
                        None => o.env.push((k.to_string(), v.to_string())),
                    },
                    _ => return Err(format!("--env expects K=V, got '{kv}'")),
                }
            }
            "--resolve" => {
                let nv = value(&mut i, a)?;
                match nv.split_once(':') {
                    Some((n, addr)) if !n.is_empty() => {
                        let addr = addr.strip_prefix('[').unwrap_or(addr);
                        let addr = addr.strip_suffix(']').unwrap_or(addr);
                        o.resolve
                            .entry(n.to_lowercase())
                            .or_default()
                            .push(addr.to_string());
                    }
                    _ => return Err(format!("--resolve expects NAME:ADDR, got '{nv}'")),
                }
            }
            "--max-conns" | "--max-total-conns" | "--max-bytes" | "--max-bytes-in"
            | "--max-bytes-out" | "--timeout-ms" => {
                let v = value(&mut i, a)?;
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("{a} expects a non-negative integer, got '{v}'"));
                }
                let n = v.parse::<u64>().unwrap_or(u64::MAX); // digits only: too large is no limit
                match a {
                    "--max-conns" => o.limits.max_conns = Some(n),
                    "--max-total-conns" => o.limits.max_total_conns = Some(n),
                    "--max-bytes" => max_bytes = Some(n),
                    "--max-bytes-in" => max_in = Some(n),
                    "--max-bytes-out" => max_out = Some(n),
                    _ => o.timeout_ms = n,
                }
                if a != "--max-total-conns" && a != "--timeout-ms" {
                    o.stream_quotas.push(match a {
                        "--max-conns" => "--max-conns",
                        "--max-bytes" => "--max-bytes",
                        "--max-bytes-in" => "--max-bytes-in",
                        _ => "--max-bytes-out",
                    });
                }
            }
            _ if a.starts_with('-') => return Err(format!("unknown option '{a}'")),
            _ => break, // the module
        }
        i += 1;
    }
    if i >= argv.len() {
        return Err("no module given".to_string());
    }
    o.limits.max_bytes_in = max_in.or(max_bytes);
    o.limits.max_bytes_out = max_out.or(max_bytes);
    o.module = argv[i].clone();
    o.args = argv[i + 1..].to_vec();
    o.policy = Arc::new(Policy::new(&o.allow).map_err(|e| format!("bad --allow rule: {e}"))?);
    Ok(Parsed::Run(Box::new(o)))
}
