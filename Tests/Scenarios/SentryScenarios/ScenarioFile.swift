import Sentry

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A scenario file (format 1, or format 2 with the tracing ops and init keys; described in
/// Tests/Scenarios/README.md).
public struct ScenarioFile: Sendable {
    /// One scenario: a name, init options and a list of operations.
    public struct Scenario: Sendable {
        /// The unique name (the key of its records in the result).
        public var name: String
        /// Init options (`defaults.init` overlaid with the scenario's `init`).
        public var initOptions: SentryJSONObject
        /// The operations.
        public var ops: [SentryJSONObject]
    }

    /// The `format` field.
    public var format: SentryJSON
    /// The scenarios in file order.
    public var scenarios: [Scenario]

    /// Parses a scenario document.
    public init(json: SentryJSON) throws(ScenarioError) {
        guard let root = json.objectValue, let list = root["scenarios"]?.arrayValue else {
            throw ScenarioError("not a scenario file: no \"scenarios\" array")
        }
        format = root["format"] ?? .null
        if let f = format.intValue, f != 1 && f != 2 { throw ScenarioError("unsupported scenario file format \(f)") }
        let defaults = root["defaults"]?["init"]?.objectValue ?? [:]
        var names = Set<String>()
        scenarios = []
        for item in list {
            guard let sc = item.objectValue, let name = sc["name"]?.stringValue else {
                throw ScenarioError("scenario without a name")
            }
            guard names.insert(name).inserted else { throw ScenarioError("duplicate scenario name \(name)") }
            var initOptions = defaults
            initOptions.merge(sc["init"]?.objectValue ?? [:])
            let ops = (sc["ops"]?.arrayValue ?? []).compactMap(\.objectValue)
            scenarios.append(Scenario(name: name, initOptions: initOptions, ops: ops))
        }
    }

    /// Reads and parses a scenario file.
    public init(path: String) throws(ScenarioError) {
        guard let json = SentryJSON(parsing: try readFile(path)) else { throw ScenarioError("\(path): invalid JSON") }
        try self.init(json: json)
    }
}

/// A malformed scenario or an unknown operation.
public struct ScenarioError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The bytes of a file.
public func readFile(_ path: String) throws(ScenarioError) -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw ScenarioError("cannot open \(path)") }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n <= 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}
