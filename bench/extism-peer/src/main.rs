//! Times Extism calling an echo plugin on one reused plugin instance and prints the
//! per-call durations (nanoseconds, one per line) for the wasmcrew bench to summarise.
//!
//! Usage: extism-peer CALLS INPUT

fn main() {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().and_then(|n| n.parse().ok()).expect("CALLS");
    let input = args.next().expect("INPUT");
    let wasm = wat::parse_str(include_str!("echo.wat")).expect("echo.wat");
    let manifest = extism::Manifest::new([extism::Wasm::data(wasm)]);
    let mut plugin = extism::Plugin::new(&manifest, [], false).expect("plugin");
    let mut out = String::with_capacity(calls * 8);
    for _ in 0..calls {
        let start = std::time::Instant::now();
        let output: &str = plugin.call("echo", input.as_str()).expect("call");
        let elapsed = start.elapsed().as_nanos();
        assert_eq!(output, input);
        out.push_str(&elapsed.to_string());
        out.push('\n');
    }
    print!("{out}");
}
