// Timing helpers shared by the benchmarks (csc_bench's methodology).
import CScopeCore
import Sentry

#if canImport(Glibc)
import Glibc
#endif

let args = CommandLine.arguments
let jsonOutput = args.contains("--json")
let scale = args.contains("--quick") ? 10 : 1
let repeats = 5
/// `--only KEY`: runs just that op (for profiling).
let only: String? = args.firstIndex(of: "--only").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }

@inline(__always)
func nowNs() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
}

func report(_ key: String, _ name: String, _ r: [Double]) {
    if let only, only != key { return }
    let s = r.sorted()
    let (lo, med, hi) = (s[0], s[s.count / 2], s[s.count - 1])
    if jsonOutput {
        print("{\"op\":\"\(key)\",\"min\":\(fmt(lo)),\"median\":\(fmt(med)),\"max\":\(fmt(hi))}")
    } else {
        print(pad(name, 60) + lpad(fmt(lo), 11) + lpad(fmt(med), 11) + lpad(fmt(hi), 11) + " ns/op")
    }
    fflush(nil)
}

func fmt(_ d: Double) -> String {
    let t = (d * 10).rounded() / 10
    return t == t.rounded() ? "\(Int(t)).0" : "\(t)"
}
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }

/// Runs `body` iters/5+1 times (warm-up), then `repeats` rounds of `iters` calls.
@inline(__always)
func bench(_ key: String, _ name: String, _ iters: Int, _ body: () -> Void) {
    if let only, only != key { return }
    let n = max(1, iters / scale)
    for _ in 0..<(n / 5 + 1) { body() }
    var r: [Double] = []
    for _ in 0..<repeats {
        let t0 = nowNs()
        for _ in 0..<n { body() }
        r.append((nowNs() - t0) / Double(n))
    }
    report(key, name, r)
}

@inline(__always)
func benchAsync(_ key: String, _ name: String, _ iters: Int, _ body: () async -> Void) async {
    if let only, only != key { return }
    let n = max(1, iters / scale)
    for _ in 0..<(n / 5 + 1) { await body() }
    var r: [Double] = []
    for _ in 0..<repeats {
        let t0 = nowNs()
        for _ in 0..<n { await body() }
        r.append((nowNs() - t0) / Double(n))
    }
    report(key, name, r)
}

