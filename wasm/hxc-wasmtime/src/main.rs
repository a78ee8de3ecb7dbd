//! hxc-wasmtime: runs `hxc.wasm` (or any WASI preview-1 command module that
//! imports `hostnet_v1`) and `hxc.component.wasm` (a WASI 0.2 command
//! component using `wasi:sockets`) in wasmtime, under the same default-deny
//! connection policy, quotas, options and exit codes as the Node reference
//! host (`wasm/host/hxc-host.mjs`). wasm/README.md, section 7, walks through
//! this file as the reference for embedding wasmtime in a plugin host.
//!
//! Exit status: the module's own exit code; 124 when the wall-clock limit
//! ended it; 125 for a usage error; 126 when the module cannot be loaded or
//! instantiated; 134 when it trapped.

mod audit;
mod cache;
mod component;
mod hostnet;
mod options;
mod policy;

use cache::Loaded;
use hostnet::{HasHostNet, HostNet, WallClockExceeded};
use options::{Options, Parsed};
use std::path::Path;
use std::process::exit;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::{Config, Engine, Store, Trap};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

const EXIT_TIMEOUT: i32 = 124;
const EXIT_USAGE: i32 = 125;
const EXIT_LOAD: i32 = 126;
const EXIT_TRAP: i32 = 134;

/// After the wall-clock limit, how long a module stuck in a host call that
/// cannot be interrupted (a blocking WASI read, a DNS lookup) gets before
/// the process is ended from the watchdog thread.
const KILL_GRACE: Duration = Duration::from_millis(500);

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let opts = match options::parse(&argv) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            println!("{}", options::USAGE);
            exit(0);
        }
        Err(msg) => {
            eprintln!("hxc-wasmtime: {msg}\n{}", options::USAGE);
            exit(EXIT_USAGE);
        }
    };
    exit(run(&opts));
}

/// The store data for a hostnet_v1 module: WASI preview 1 plus our sockets.
struct ModuleHost {
    wasi: WasiP1Ctx,
    net: HostNet,
}

impl HasHostNet for ModuleHost {
    fn hostnet(&mut self) -> &mut HostNet {
        &mut self.net
    }
}

fn run(o: &Options) -> i32 {
    // 1. One engine. Epoch interruption lets a watchdog thread stop wasm
    //    code that never calls the host (the wall-clock limit).
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = match Engine::new(&config) {
        Ok(e) => e,
        Err(e) => {
            return fail(
                EXIT_LOAD,
                &format!("cannot create the wasmtime engine: {e:#}"),
            );
        }
    };

    // 2. Load: compile, or map the compiled code cached by an earlier run.
    let bytes = match std::fs::read(&o.module) {
        Ok(b) => b,
        Err(e) => {
            return fail(
                EXIT_LOAD,
                &format!("cannot load module '{}': {e}", o.module),
            );
        }
    };
    let loaded = match cache::load(&engine, &bytes, &o.module) {
        Ok(l) => l,
        Err(e) => {
            return fail(
                EXIT_LOAD,
                &format!("cannot load module '{}': {}", o.module, one_line(&e)),
            );
        }
    };
    if matches!(loaded, Loaded::Component(_)) && !o.stream_quotas.is_empty() {
        return fail(
            EXIT_USAGE,
            &format!(
                "{} cannot be enforced for the component '{}': its wasi:sockets streams are not metered by this \
                 host (run a hostnet_v1 module such as hxc.wasm for byte and concurrent-connection quotas)",
                o.stream_quotas.join(", "),
                o.module
            ),
        );
    }

    // 3. The WASI context: argv, environment, preopened directories, stdio.
    let mut wasi = WasiCtxBuilder::new();
    // File I/O on this thread (the module waits for it anyway), as the
    // wasmtime CLI does, instead of a hop to a blocking-task thread per call.
    wasi.allow_blocking_current_thread(true);
    let argv0 = Path::new(&o.module)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    wasi.arg(argv0.strip_suffix(".wasm").unwrap_or(&argv0))
        .args(&o.args)
        .envs(&o.env);
    for (host, guest) in &o.dirs {
        if let Err(e) = wasi.preopened_dir(host, guest, FsPerms::ReadWrite) {
            return fail(
                EXIT_USAGE,
                &format!("--dir {host}::{guest}: cannot open directory '{host}': {e:#}"),
            );
        }
    }
    stdio::configure(&mut wasi);

    // 4. The wall clock: starts now, when the module is about to run.
    let deadline = (o.timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(o.timeout_ms));
    if let Some(d) = deadline {
        watchdog(engine.clone(), d, o.module.clone(), o.timeout_ms);
    }

    // 5./6. Instantiate and run; 7. the exit status says how it ended.
    let r = match loaded {
        Loaded::Module(m) => run_module(&engine, &m, wasi, o, deadline),
        Loaded::Component(c) => run_component(&engine, &c, wasi, o),
    };
    match r {
        Ok(code) => code,
        Err(Failure::Load(msg)) => fail(
            EXIT_LOAD,
            &format!("the module '{}' could not be instantiated: {msg}", o.module),
        ),
        Err(Failure::Run(e)) => outcome(e, &o.module, o.timeout_ms),
    }
}

enum Failure {
    /// instantiation failed (an import the host does not provide, ...)
    Load(String),
    /// the module's run ended with an error: exit, trap, wall clock
    Run(wasmtime::Error),
}

/// 5. A core module: WASI preview 1 from wasmtime-wasi plus hostnet_v1.
fn run_module(
    engine: &Engine,
    module: &wasmtime::Module,
    mut wasi: WasiCtxBuilder,
    o: &Options,
    deadline: Option<Instant>,
) -> Result<i32, Failure> {
    let mut linker = wasmtime::Linker::<ModuleHost>::new(engine);
    let linked = wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |h| &mut h.wasi)
        .and_then(|()| {
            // proc_exit passes any status through, as in the Node host
            // (wasmtime-wasi's refuses 126 and above).
            linker.allow_shadowing(true);
            linker.func_wrap(
                "wasi_snapshot_preview1",
                "proc_exit",
                |code: i32| -> wasmtime::Result<()> { Err(I32Exit(code).into()) },
            )?;
            linker.allow_shadowing(false);
            Ok(())
        })
        .and_then(|()| hostnet::link(&mut linker));
    linked.map_err(|e| Failure::Load(format!("cannot set up the imports: {e:#}")))?;

    let mut net = HostNet::new(o.policy.clone(), o.resolve.clone(), o.audit, o.limits);
    net.deadline = deadline;
    let mut store = Store::new(
        engine,
        ModuleHost {
            wasi: wasi.build_p1(),
            net,
        },
    );
    store.set_epoch_deadline(1);
    store.epoch_deadline_trap();

    let instance = linker
        .instantiate(&mut store, module)
        .map_err(|e| Failure::Load(one_line(&e)))?;
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .map_err(|e| Failure::Load(format!("not a WASI command (no _start): {e:#}")))?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => Err(Failure::Run(e)),
    }
}

/// 6. A component: wasmtime-wasi's WASI 0.2, sockets checked by our policy.
fn run_component(
    engine: &Engine,
    c: &wasmtime::component::Component,
    mut wasi: WasiCtxBuilder,
    o: &Options,
) -> Result<i32, Failure> {
    use wasmtime_wasi::p2::bindings::sync::Command;
    let mut linker = wasmtime::component::Linker::<component::ComponentHost>::new(engine);
    component::link(&mut linker)
        .map_err(|e| Failure::Load(format!("cannot set up the imports: {e:#}")))?;

    let guard = Arc::new(component::Guard::new(
        o.policy.clone(),
        o.resolve.clone(),
        o.audit,
        o.limits.max_total_conns,
    ));
    guard.install(&mut wasi);
    let host = component::ComponentHost {
        wasi: wasi.build(),
        table: Default::default(),
        guard,
    };
    let mut store = Store::new(engine, host);
    store.set_epoch_deadline(1);
    store.epoch_deadline_trap();

    let command =
        Command::instantiate(&mut store, c, &linker).map_err(|e| Failure::Load(one_line(&e)))?;
    match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => Err(Failure::Run(e)),
    }
}

/// 7. The exit status and message for a run that ended with an error.
fn outcome(e: wasmtime::Error, module: &str, timeout_ms: u64) -> i32 {
    if let Some(I32Exit(code)) = e.downcast_ref::<I32Exit>() {
        return *code;
    }
    if e.is::<WallClockExceeded>() || matches!(e.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
        return fail(EXIT_TIMEOUT, &timeout_message(module, timeout_ms));
    }
    // The trap in words, then the wasm frames (not the host's Rust backtrace,
    // which wasmtime also captures when RUST_BACKTRACE is set).
    let frames = e
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .map(|b| format!("\n{b}"))
        .unwrap_or_default();
    fail(
        EXIT_TRAP,
        &format!("the module '{module}' trapped: {}{frames}", e.root_cause()),
    )
}

/// wasmtime's parse and link errors can span lines: one line per message.
fn one_line(e: &wasmtime::Error) -> String {
    format!("{e:#}")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn timeout_message(module: &str, ms: u64) -> String {
    format!("the module '{module}' exceeded the wall-clock limit of {ms} ms and was terminated")
}

fn fail(code: i32, msg: &str) -> i32 {
    eprintln!("hxc-wasmtime: {msg}");
    code
}

/// At the deadline, interrupts running wasm code (it traps with
/// `Trap::Interrupt` at its next epoch check); a module blocked in a host
/// call that cannot see the deadline is ended with the process.
fn watchdog(engine: Engine, deadline: Instant, module: String, ms: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        engine.increment_epoch();
        std::thread::sleep(KILL_GRACE);
        fail(EXIT_TIMEOUT, &timeout_message(&module, ms));
        exit(EXIT_TIMEOUT);
    });
}

mod stdio {
    //! The module's stdout and stderr are the host's. If one is a pipe that
    //! another process made non-blocking (Node does that to a shared pipe),
    //! a full pipe would fail the module's write with EAGAIN: then the
    //! module gets its own blocking open of the same pipe (/proc/self/fd/N).
    use rustix::fs::OFlags;
    use std::fs::{File, OpenOptions};
    use wasmtime_wasi::WasiCtxBuilder;
    use wasmtime_wasi::cli::OutputFile;

    fn blocking_reopen(fd: i32) -> Option<File> {
        let flags = if fd == 1 {
            rustix::fs::fcntl_getfl(std::io::stdout())
        } else {
            rustix::fs::fcntl_getfl(std::io::stderr())
        }
        .ok()?;
        if !flags.contains(OFlags::NONBLOCK) {
            return None;
        }
        OpenOptions::new()
            .write(true)
            .open(format!("/proc/self/fd/{fd}"))
            .ok()
    }

    pub fn configure(b: &mut WasiCtxBuilder) {
        b.inherit_stdio();
        if let Some(f) = blocking_reopen(1) {
            b.stdout(OutputFile::new(f));
        }
        if let Some(f) = blocking_reopen(2) {
            b.stderr(OutputFile::new(f));
        }
    }
}
