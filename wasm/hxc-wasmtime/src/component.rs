//! The policy for a WASI 0.2 component (`hxc.component.wasm`), which
//! reaches the network through wasmtime-wasi's `wasi:sockets`.
//!
//! Two hooks give it the same rules as a hostnet_v1 module:
//! - `wasi:sockets/ip-name-lookup` is shadowed in the component linker by
//!   our own `resolve-addresses`: the name is checked against the policy
//!   before any DNS query (and `--resolve` pins apply), and the addresses it
//!   resolves to are remembered as belonging to that name;
//! - `WasiCtxBuilder::socket_addr_check` sees every address the component
//!   connects to: it is allowed when the policy allows it for a name that
//!   resolved to it (so `--allow localhost:8443` works) or as a literal
//!   (IP and CIDR rules, `*` for public addresses). Binding other than the
//!   implicit bind of a connect, listening, accepting and UDP are refused.
//!
//! The quota on connections made (`--max-total-conns`) is counted here; the
//! byte quotas and `--max-conns` need the host to see every stream and
//! close, which only hostnet_v1 gives (main refuses them for components).

use crate::audit;
use crate::hostnet::literal_ip;
use crate::policy::{self, Policy};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use wasmtime::component::{Linker, Resource, ResourceTable, ResourceType};
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddress};
use wasmtime_wasi::p2::{DynPollable, Network, Pollable};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// The version of `wasi:sockets` that wasmtime-wasi 48 defines: shadowing
/// must use the very name it was added under (components importing an
/// older 0.2.x are matched to it by the linker's semver rules).
const IP_NAME_LOOKUP: &str = "wasi:sockets/ip-name-lookup@0.2.12";

/// The policy state shared by the lookup functions and the address check.
pub struct Guard {
    policy: Arc<Policy>,
    resolve: HashMap<String, Vec<String>>,
    audit: bool,
    max_total_conns: Option<u64>,
    state: Mutex<GuardState>,
}

#[derive(Default)]
struct GuardState {
    /// address -> the names whose lookup returned it
    names: HashMap<IpAddr, Vec<String>>,
    connects: u64,
}

impl Guard {
    pub fn new(
        policy: Arc<Policy>,
        resolve: HashMap<String, Vec<String>>,
        audit: bool,
        max_total_conns: Option<u64>,
    ) -> Guard {
        Guard {
            policy,
            resolve,
            audit,
            max_total_conns,
            state: Mutex::new(GuardState::default()),
        }
    }

    fn deny(
        &self,
        name: &str,
        port: &dyn std::fmt::Display,
        addr: Option<&str>,
        reason: String,
    ) -> bool {
        if self.audit {
            audit::decision(name, port, addr, &Err(reason));
        }
        false
    }

    /// `resolve-addresses`: the name's policy check, then pins or DNS.
    fn lookup(&self, raw: &str) -> Result<Vec<IpAddr>, ErrorCode> {
        let name = policy::normalize_name(raw);
        let addrs: Vec<IpAddr> = if let Some(ip) = literal_ip(&name) {
            vec![ip]
        } else {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            {
                return Err(ErrorCode::InvalidArgument);
            }
            if let Some(reason) = self.policy.precheck_any_port(&name) {
                self.deny(&name, &"-", None, reason);
                return Err(ErrorCode::AccessDenied);
            }
            if let Some(pinned) = self.resolve.get(&name) {
                pinned.iter().filter_map(|a| literal_ip(a)).collect()
            } else {
                match (name.as_str(), 0).to_socket_addrs() {
                    Ok(it) => it.map(|a| a.ip()).collect(),
                    Err(e) => {
                        self.deny(&name, &"-", None, format!("cannot resolve '{name}': {e}"));
                        return Err(ErrorCode::NameUnresolvable);
                    }
                }
            }
        };
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for ip in &addrs {
            let names = st.names.entry(ip.to_canonical()).or_default();
            if !names.contains(&name) {
                names.push(name.clone());
            }
        }
        Ok(addrs)
    }

    /// `socket_addr_check`: every bind, connect, listen, accept, UDP use.
    fn check(&self, addr: SocketAddr, use_: SocketAddrUse) -> bool {
        let text = addr.ip().to_string();
        let port = addr.port();
        match use_ {
            SocketAddrUse::TcpConnect => {}
            // the implicit bind that precedes a connect (wildcard address, port 0)
            SocketAddrUse::TcpBind if addr.ip().is_unspecified() && port == 0 => return true,
            SocketAddrUse::TcpBind | SocketAddrUse::TcpListen | SocketAddrUse::TcpAccept => {
                return self.deny(
                    "-",
                    &port,
                    Some(&text),
                    format!("{use_:?}: this host allows outgoing TCP connections only"),
                );
            }
            _ => {
                return self.deny(
                    "-",
                    &port,
                    Some(&text),
                    format!("{use_:?}: this host does not allow UDP"),
                );
            }
        }
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        // The names that resolved to this address, then the address as a literal.
        let mut names = st
            .names
            .get(&addr.ip().to_canonical())
            .cloned()
            .unwrap_or_default();
        names.push(text.clone());
        let mut first_refusal: Option<(String, String)> = None;
        for name in &names {
            let d = match self.policy.precheck(name, port as u32) {
                Some(reason) => Err(reason),
                None => self.policy.check(name, port as u32, &text),
            };
            match d {
                Ok(rule) => {
                    if let Some(max) = self.max_total_conns.filter(|&m| st.connects >= m) {
                        let reason =
                            format!("quota: {max} connections already made (max-total-conns)");
                        return self.deny(name, &port, None, reason);
                    }
                    st.connects += 1;
                    if self.audit {
                        audit::decision(name, port, Some(&text), &Ok(rule));
                    }
                    return true;
                }
                Err(reason) => {
                    first_refusal.get_or_insert((name.clone(), reason));
                }
            }
        }
        let (name, reason) = first_refusal.expect("the address itself is always checked");
        self.deny(&name, &port, Some(&text), reason)
    }

    /// Installs the address check into a WASI context being built.
    pub fn install(self: &Arc<Self>, b: &mut WasiCtxBuilder) {
        let g = Arc::clone(self);
        b.allow_tcp(true)
            .allow_udp(false)
            .allow_ip_name_lookup(true)
            .socket_addr_check(move |addr, use_| {
                let allowed = g.check(addr, use_);
                Box::pin(async move { allowed })
            });
    }
}

/// The store data for a component.
pub struct ComponentHost {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub guard: Arc<Guard>,
}

impl WasiView for ComponentHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Our `resolve-address-stream`: the answer is complete when it is created.
pub struct Lookup(VecDeque<IpAddr>);

impl Pollable for Lookup {
    fn ready<'a, 'b>(&'a mut self) -> Pin<Box<dyn Future<Output = ()> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(std::future::ready(()))
    }
}

/// wasmtime-wasi's WASI 0.2 imports, with `ip-name-lookup` replaced by ours.
pub fn link(linker: &mut Linker<ComponentHost>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    linker.allow_shadowing(true);
    let mut inst = linker.instance(IP_NAME_LOOKUP)?;
    inst.resource(
        "resolve-address-stream",
        ResourceType::host::<Lookup>(),
        |mut store, rep| {
            store
                .data_mut()
                .table
                .delete(Resource::<Lookup>::new_own(rep))?;
            Ok(())
        },
    )?;
    inst.func_wrap(
        "resolve-addresses",
        |mut store,
         (network, name): (Resource<Network>, String)|
         -> wasmtime::Result<(Result<Resource<Lookup>, ErrorCode>,)> {
            let host = store.data_mut();
            host.table.get(&network)?; // the network handle is the capability: it must be valid
            let r = match host.guard.lookup(&name) {
                Ok(addrs) => Ok(host.table.push(Lookup(addrs.into()))?),
                Err(e) => Err(e),
            };
            Ok((r,))
        },
    )?;
    inst.func_wrap(
        "[method]resolve-address-stream.resolve-next-address",
        |mut store,
         (stream,): (Resource<Lookup>,)|
         -> wasmtime::Result<(Result<Option<IpAddress>, ErrorCode>,)> {
            let l = store.data_mut().table.get_mut(&stream)?;
            Ok((Ok(l.0.pop_front().map(IpAddress::from)),))
        },
    )?;
    inst.func_wrap(
        "[method]resolve-address-stream.subscribe",
        |mut store, (stream,): (Resource<Lookup>,)| -> wasmtime::Result<(Resource<DynPollable>,)> {
            Ok((wasmtime_wasi::p2::subscribe(
                &mut store.data_mut().table,
                stream,
            )?,))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}
