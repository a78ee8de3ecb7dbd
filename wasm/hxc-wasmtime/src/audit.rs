//! Audit lines on stderr, in the Node reference host's format so that tests
//! and log readers can grep either host's output the same way:
//!
//! ```text
//! hxc-host audit: allow name=localhost port=8443 address=127.0.0.1 rule=localhost:8443
//! hxc-host audit: deny name=evil.example port=443 address=- rule=- reason="no rule allows host 'evil.example' on port 443"
//! ```

use crate::policy::Decision;
use std::fmt::Display;
use std::io::Write;

fn emit(line: &str) {
    // Unbuffered and in one write, so lines from several threads do not mix.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// One connection decision; `port` is `-` for a name lookup, which has none.
pub fn decision(name: &str, port: impl Display, address: Option<&str>, d: &Decision) {
    let (verdict, detail) = match d {
        Ok(rule) => ("allow", format!("rule={rule}")),
        Err(reason) => ("deny", format!("rule=- reason=\"{reason}\"")),
    };
    emit(&format!(
        "hxc-host audit: {verdict} name={name} port={port} address={} {detail}\n",
        address.unwrap_or("-")
    ));
}

/// A connection dropped at the received-bytes quota.
pub fn quota(name: &str, port: u16, max_bytes_in: u64) {
    emit(&format!(
        "hxc-host audit: quota name={name} port={port} reason=\"received bytes reached max-bytes-in {max_bytes_in}\"\n"
    ));
}
