import Foundation
import Sentry

/// The demo's embedded default when no DSN is set: writes each envelope to a
/// folder and keeps a one-line summary of it, so the SDK can be seen working
/// without a Sentry server.
public final class OutboxTransport: SentryTransport, @unchecked Sendable {
    public let directory: URL
    private let lock = NSLock()
    private var written: [(file: String, summary: String)] = []

    public init(directory: URL) {
        self.directory = directory
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func send(envelope: Envelope) {
        let id = envelope.eventId ?? UUID().uuidString
        let url = directory.appendingPathComponent("\(id).envelope")
        do {
            try Data(envelope.data).write(to: url, options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("outbox: cannot write \(url.path): \(error)\n".utf8))
            return
        }
        let summary = Self.summarize(envelope)
        lock.withLock { written.append((url.lastPathComponent, summary)) }
    }

    public var files: [(file: String, summary: String)] { lock.withLock { written } }

    public static func summarize(_ envelope: Envelope) -> String {
        if let tx = envelope.transaction {
            let spans = tx.raw["spans"].flatMap { if case .array(let a) = $0 { a.count } else { nil } } ?? 0
            var trace = "-"
            if case .object(let c)? = tx.raw["contexts"], case .object(let t)? = c["trace"],
                case .string(let id)? = t["trace_id"]
            {
                trace = id
            }
            return "transaction \"\(tx.transaction ?? "-")\" spans=\(spans) trace=\(trace) \(envelope.data.count) B"
        }
        guard let event = envelope.event else {  // sessions, check-ins, client reports
            return envelope.items.map(\.type).joined(separator: ", ")
        }
        let raw = event.raw
        let level = raw["level"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? "-"
        var what = "event"
        if case .string(let m)? = raw["message"] { what = "message \"\(m)\"" }
        if case .object(let exc)? = raw["exception"], case .array(let values)? = exc["values"],
            case .object(let first)? = values.last, case .string(let t)? = first["type"]
        {
            var v = ""
            if case .string(let s)? = first["value"] { v = ": \(s)" }
            what = "exception \(t)\(v)"
        }
        var tags: [String] = []
        if case .object(let t)? = raw["tags"] {
            tags = t.keys.sorted().map { key in
                if case .string(let s)? = t[key] { "\(key)=\(s)" } else { key }
            }
        }
        var crumbs = 0
        if case .object(let b)? = raw["breadcrumbs"], case .array(let values)? = b["values"] { crumbs = values.count }
        var user = "-"
        if case .object(let u)? = raw["user"], case .string(let id)? = u["id"] { user = id }
        return "\(level) \(what) user=\(user) tags[\(tags.joined(separator: ","))] breadcrumbs=\(crumbs) "
            + "items=\(envelope.items.map(\.type).joined(separator: "+")) \(envelope.data.count) B"
    }
}
