//! Embeds every file of `templates/` (`NAME.json` and `policies/*.json`) in the binary, so a
//! template added to the folder cannot be forgotten: writes `$OUT_DIR/embedded_templates.rs`.
//! Also names the build for `--version`: the git commit (`unknown` outside a checkout) and the
//! target triple.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    for (dir, prefix) in [(root.clone(), ""), (root.join("policies"), "policies/")] {
        for entry in std::fs::read_dir(&dir).expect("templates/ and templates/policies/ exist") {
            let path = entry.expect("a readable folder").path();
            if path.extension().is_some_and(|ext| ext == "json") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                files.push((format!("{prefix}{name}"), path));
            }
        }
    }
    files.sort();
    let mut code = String::from(
        "/// The template set compiled into the binary, as (path inside the set, contents).\n\
         const EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for (relative, path) in files {
        writeln!(
            code,
            "    ({relative:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_templates.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
    name_the_build();
}

/// `IAM_ONBOARD_COMMIT` and `IAM_ONBOARD_TARGET` for `--version`.
fn name_the_build() {
    let git = Path::new(env!("CARGO_MANIFEST_DIR")).join(".git");
    println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
    println!("cargo:rerun-if-changed={}", git.join("refs").display());
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|commit| !commit.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=IAM_ONBOARD_COMMIT={commit}");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=IAM_ONBOARD_TARGET={target}");
}
