//! The dashboard's files are embedded (src/web.rs, rust-embed): a file
//! added to static/ must rebuild the binary too, which cargo does not see
//! by itself (it tracks only the files already embedded).
fn main() {
    println!("cargo:rerun-if-changed=static");
}
