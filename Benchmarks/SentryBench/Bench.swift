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

/// The DSN of a local sink that answers 200 (scripts/bench.sh starts `transport_bench --sink`),
/// or `nil`: then the HTTP cases use a closed port and the queue only grows.
let sinkDSN: String? = getenv("SENTRY_BENCH_DSN").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }

/// Captures one at a time, as a server does: each call is timed on its own, then the transport
/// drains (an untimed `SentrySDK.flush`), so the queue and the heap stay in their steady state.
/// Reports min, median and p99 (in the "max" column). Needs ``sinkDSN``; else like ``bench``.
func paced(_ key: String, _ name: String, _ iters: Int, _ body: () -> Void) {
    if let only, only != key { return }
    guard sinkDSN != nil else { return bench(key, name, iters, body) }
    let n = max(20, iters / scale)
    for _ in 0..<(n / 5 + 1) {
        body()
        _ = SentrySDK.flush(timeout: .seconds(2))
    }
    var samples: [Double] = []
    samples.reserveCapacity(n)
    for _ in 0..<n {
        let t0 = nowNs()
        body()
        samples.append(nowNs() - t0)
        _ = SentrySDK.flush(timeout: .seconds(2))
    }
    samples.sort()
    report(key, name + " (paced; max = p99)", [samples[0], samples[n / 2], samples[min(n - 1, n * 99 / 100)]])
}
