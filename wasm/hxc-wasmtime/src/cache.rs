//! Compiled-code cache: a module or component is compiled once, serialised
//! (`Module::serialize` / `Component::serialize`) into the cache directory,
//! and later runs map that file instead of compiling again.
//!
//! The file name is the SHA-256 of the wasm bytes together with wasmtime's
//! version and the engine's configuration
//! (`Engine::precompile_compatibility_hash`), so a changed module, a new
//! wasmtime or another configuration never picks up a stale artifact.
//! Files are written to a temporary name and renamed into place: a reader
//! never sees a partial file, and a file is never changed once it has its
//! name (wasmtime maps it for as long as the module lives).

use sha2::{Digest, Sha256};
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// What was loaded: a core module (hostnet_v1) or a component (wasi:sockets).
pub enum Loaded {
    Module(wasmtime::Module),
    Component(Component),
}

/// True for the binary component format (layer 1), false for a core module:
/// the preamble after `\0asm` is version 1, layer 0 for modules and
/// version 0x0d, layer 1 for components.
pub fn is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && &bytes[0..4] == b"\0asm" && bytes[6..8] == [1, 0]
}

/// The cache directory: `$HXC_WASMTIME_CACHE` (`off` disables caching),
/// else `$XDG_CACHE_HOME/hxc-wasmtime`, else `~/.cache/hxc-wasmtime`.
pub fn dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = var("HXC_WASMTIME_CACHE") {
        return (d != "off").then(|| PathBuf::from(d));
    }
    if let Some(x) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(x).join("hxc-wasmtime"));
    }
    var("HOME").map(|h| PathBuf::from(h).join(".cache").join("hxc-wasmtime"))
}

/// The directory, created 0700 if missing, when it is safe to load code
/// from: owned by this user and writable by nobody else. Whoever can write
/// there could make this host run arbitrary native code.
fn trusted_dir(dir: &Path) -> Result<(), String> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create the cache directory {}: {e}", dir.display()))?;
    let md = fs::metadata(dir)
        .map_err(|e| format!("cannot inspect the cache directory {}: {e}", dir.display()))?;
    if md.uid() != rustix::process::geteuid().as_raw() || md.permissions().mode() & 0o022 != 0 {
        return Err(format!(
            "not using the cache directory {}: it must belong to this user and be writable by nobody else",
            dir.display()
        ));
    }
    Ok(())
}

fn key(engine: &Engine, bytes: &[u8], component: bool) -> String {
    // The engine's compatibility hash is only `Hash`: fold it with the std
    // hasher (fixed keys, stable within a build of this program), then into
    // the SHA-256 with the wasm bytes.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    let mut sha = Sha256::new();
    sha.update(b"hxc-wasmtime cache v1\0");
    sha.update(env!("CARGO_PKG_VERSION").as_bytes());
    sha.update([component as u8]);
    sha.update(h.finish().to_le_bytes());
    sha.update(bytes);
    sha.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Compiles `bytes`, or maps the cached result of an earlier compile.
/// A cache that cannot be used only costs the compile: its problem is
/// reported on stderr once, naming the directory or file.
pub fn load(engine: &Engine, bytes: &[u8], path_for_messages: &str) -> wasmtime::Result<Loaded> {
    let component = is_component(bytes);
    let dir = dir().and_then(|d| match trusted_dir(&d) {
        Ok(()) => Some(d),
        Err(msg) => {
            eprintln!("hxc-wasmtime: {msg}; compiling {path_for_messages} without the cache");
            None
        }
    });
    let file = dir
        .as_ref()
        .map(|d| d.join(format!("{}.cwasm", key(engine, bytes, component))));
    if let Some(f) = file.as_ref().filter(|f| f.is_file()) {
        // SAFETY: `deserialize_file` runs the native code in the file, so the
        // file must be one this program serialised, unchanged since. It is:
        // the directory belongs to this user and nobody else may write to it
        // (checked above), files get their name only once complete (rename),
        // are never rewritten in place, and the name covers the wasm bytes,
        // wasmtime's version and the engine configuration. wasmtime itself
        // also checks the file's header against the engine.
        let r = unsafe {
            if component {
                Component::deserialize_file(engine, f).map(Loaded::Component)
            } else {
                wasmtime::Module::deserialize_file(engine, f).map(Loaded::Module)
            }
        };
        match r {
            Ok(l) => return Ok(l),
            Err(e) => eprintln!(
                "hxc-wasmtime: ignoring the cached code {}: {e:#}",
                f.display()
            ),
        }
    }
    let (loaded, serialized) = if component {
        let c = Component::new(engine, bytes)?;
        let s = file.as_ref().map(|_| c.serialize());
        (Loaded::Component(c), s)
    } else {
        let m = wasmtime::Module::new(engine, bytes)?;
        let s = file.as_ref().map(|_| m.serialize());
        (Loaded::Module(m), s)
    };
    if let (Some(f), Some(s)) = (file, serialized)
        && let Err(e) = s
            .map_err(|e| format!("{e:#}"))
            .and_then(|data| store(&f, &data).map_err(|e| e.to_string()))
    {
        eprintln!(
            "hxc-wasmtime: cannot write the compiled code to the cache as {}: {e}",
            f.display()
        );
    }
    Ok(loaded)
}

fn store(file: &Path, data: &[u8]) -> std::io::Result<()> {
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    let r = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, file)
    })();
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    r
}
