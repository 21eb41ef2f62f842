//! Links libhotswap. `HOTSWAP_LIB_DIR` names the folder holding libhotswap.so; without it, the
//! repository's build/lib is used when it exists (after `make libhotswap`), else the system's
//! library path (an installed libhotswap). The folder is also put in the rpath of this
//! crate's tests, examples and binaries, so they find the library when run from the build tree.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=HOTSWAP_LIB_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = match env::var_os("HOTSWAP_LIB_DIR") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => {
            let repo = manifest.join("../../build/lib");
            repo.join("libhotswap.so").exists().then_some(repo)
        }
    };
    if let Some(dir) = dir {
        let dir = dir.canonicalize().unwrap_or(dir);
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
        println!("cargo:rerun-if-changed={}", dir.join("libhotswap.so").display());
    }
    println!("cargo:rustc-link-lib=dylib=hotswap");
}
