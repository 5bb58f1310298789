// sentry-scenario-runner FILE.json [--only NAME ...]
// Runs a scope-semantics scenario file through the Swift API and prints the normalised result
// (the format of Tests/Scenarios/oracle's expected files) to stdout.
import Sentry
import SentryScenarios

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a line to standard error.
func printError(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}

var args = Array(CommandLine.arguments.dropFirst())
var only: Set<String>?
var path: String?
while !args.isEmpty {
    let a = args.removeFirst()
    if a == "--only", !args.isEmpty {
        only = (only ?? []).union([args.removeFirst()])
    } else if a == "-h" || a == "--help" {
        print("usage: sentry-scenario-runner FILE.json [--only NAME ...]")
        exit(0)
    } else {
        path = a
    }
}
guard let path else {
    printError("usage: sentry-scenario-runner FILE.json [--only NAME ...]")
    exit(2)
}
do {
    let file = try ScenarioFile(path: path)
    let result = try ScenarioRunner.run(file, only: only)
    print(SentryJSON.object(result).serialized(sortedKeys: true, indent: 2))
} catch {
    printError("sentry-scenario-runner: \(error)")
    exit(1)
}
