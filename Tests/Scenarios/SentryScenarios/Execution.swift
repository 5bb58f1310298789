import Sentry
import SentryTestKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The state of one scenario run: executes operations and collects records.
struct Execution {
    enum Record {
        case sent(envelopeIndex: Int)
        case dropped
        case unsampled
        case probe(SentryId)
        case traceHeaders([String: String])
    }

    let transport: InMemoryTransport
    let scenarioName: String
    var records: [Record] = []
    /// Trace/span ids and sample_rand values the scenario's headers supply (kept verbatim).
    var verbatim: Set<String> = []

    init(transport: InMemoryTransport, scenarioName: String) {
        self.transport = transport
        self.scenarioName = scenarioName
    }

    // MARK: - Operations

    mutating func run(_ ops: [SentryJSONObject], standalone: Scope?) throws(ScenarioError) {
        for op in ops { try run(op, standalone: standalone) }
    }

    /// The scope an operation targets; `nil` = the top-level API.
    func target(_ op: SentryJSONObject, standalone: Scope?) throws(ScenarioError) -> Scope? {
        if let standalone { return standalone }
        switch op["scope"]?.stringValue ?? "current" {
        case "global": return SentrySDK.globalScope
        case "isolation": return SentrySDK.isolationScope
        case "current": return SentrySDK.currentScope
        case "api": return nil
        case let other: throw ScenarioError("bad scope \(other)")
        }
    }

    func need(_ s: Scope?, _ kind: String) throws(ScenarioError) -> Scope {
        guard let s else { throw ScenarioError("op \(kind) has no top-level API; give scope global/isolation/current") }
        return s
    }

    mutating func run(_ op: SentryJSONObject, standalone: Scope?) throws(ScenarioError) {
        let kind = op["op"]?.stringValue ?? ""
        switch kind {
        case "new_scope":
            let ops = op["ops"]?.arrayValue?.compactMap(\.objectValue) ?? []
            try SentrySDK.withScope { (_: Scope) throws(ScenarioError) in try run(ops, standalone: nil) }
            return
        case "isolation_scope":
            let ops = op["ops"]?.arrayValue?.compactMap(\.objectValue) ?? []
            try SentrySDK.withIsolationScope { (_: Scope) throws(ScenarioError) in try run(ops, standalone: nil) }
            return
        case "capture_message", "capture_exception", "capture_event":
            try capture(op)
            return
        case "last_event_id":
            records.append(.probe(SentrySDK.lastEventId))
            return
        case "continue_trace", "start_transaction", "start_span", "set_http_status", "trace_headers":
            try runTracing(op)
            return
        case "update_from_scope":  // Python's target.update_from_scope(Scope() after ops); no api form
            let source = Scope()
            try run(op["ops"]?.arrayValue?.compactMap(\.objectValue) ?? [], standalone: source)
            try need(target(op, standalone: standalone), kind).update(from: source)
            return
        default:
            break
        }
        let s = try target(op, standalone: standalone)
        let key = op["key"]?.stringValue ?? ""
        switch kind {
        case "set_tag":
            let value = op["value"] ?? .null
            if let s { s.setTag(key, value) } else { SentrySDK.setTag(key, value) }
        case "set_tags":
            let tags = op["tags"]?.objectValue ?? [:]
            if let s { s.setTags(tags) } else { SentrySDK.setTags(tags) }
        case "remove_tag":
            try need(s, kind).removeTag(key)
        case "set_extra":
            let value = op["value"] ?? .null
            if let s { s.setExtra(key, value) } else { SentrySDK.setExtra(key, value) }
        case "remove_extra":
            try need(s, kind).removeExtra(key)
        case "set_context":
            guard let value = op["value"]?.objectValue else { throw ScenarioError("set_context needs an object") }
            if let s { s.setContext(key, value) } else { SentrySDK.setContext(key, value) }
        case "remove_context":
            try need(s, kind).removeContext(key)
        case "set_user":
            let user = op["value"]?.objectValue.map(User.init(json:))
            if let s { s.setUser(user) } else { SentrySDK.setUser(user) }
        case "set_level":
            let level = op["level"]?.stringValue.flatMap(SentryLevel.init(name:))
            if let s { s.setLevel(level) } else { SentrySDK.setLevel(level) }
        case "set_transaction_name":
            let name = op["name"]?.stringValue
            let source = op["source"]?.stringValue.map(TransactionSource.init(rawValue:))
            if let s { s.setTransaction(name, source: source) } else { SentrySDK.setTransaction(name, source: source) }
        case "set_fingerprint":
            try need(s, kind).setFingerprint(op["fingerprint"]?.arrayValue?.compactMap(\.stringValue))
        case "add_breadcrumb":
            usleep(ScenarioRunner.breadcrumbSleepMicros)
            addBreadcrumb(op["crumb"]?.objectValue ?? [:], to: s)
            usleep(ScenarioRunner.breadcrumbSleepMicros)
        case "clear_breadcrumbs":
            try need(s, kind).clearBreadcrumbs()
        case "clear":
            try need(s, kind).clear()
        case "add_attachment":
            let attachment = Attachment(
                bytes: Array((op["data"]?.stringValue ?? "").utf8),
                filename: op["filename"]?.stringValue ?? "",
                contentType: op["content_type"]?.stringValue)
            if let s { s.addAttachment(attachment) } else { SentrySDK.addAttachment(attachment) }
        case "add_event_processor":
            try need(s, kind).addEventProcessor(Actions.eventCallback(op["action"]?.objectValue ?? [:]))
        default:
            throw ScenarioError("unknown op \(kind) in scenario \(scenarioName)")
        }
    }

    /// Typed `Breadcrumb` when the crumb fits it exactly (the fast path); the raw SentryJSON API otherwise
    /// (explicit timestamps, `null` fields, unknown keys, non-string values).
    func addBreadcrumb(_ crumb: SentryJSONObject, to s: Scope?) {
        if let typed = Self.typedBreadcrumb(crumb) {
            if let s { s.addBreadcrumb(typed) } else { SentrySDK.addBreadcrumb(typed) }
        } else {
            (s ?? SentrySDK.isolationScope).addBreadcrumb(json: crumb)
        }
    }

    static func typedBreadcrumb(_ crumb: SentryJSONObject) -> Breadcrumb? {
        var b = Breadcrumb()
        for (k, v) in crumb {
            switch (k, v) {
            case ("message", .string(let s)): b.message = s
            case ("category", .string(let s)): b.category = s
            case ("type", .string(let s)): b.type = s
            case ("level", .string(let s)):
                guard let level = SentryLevel(rawValue: s) else { return nil }
                b.level = level
            case ("data", .object(let o)): b.data = o
            default: return nil
            }
        }
        return crumb.isEmpty ? nil : b
    }

    // MARK: - Captures

    mutating func capture(_ op: SentryJSONObject) throws(ScenarioError) {
        let kind = op["op"]?.stringValue ?? ""
        let kwargs = op["kwargs"]?.objectValue
        var extraScope: Scope?
        if let ops = op["with_scope"]?.arrayValue?.compactMap(\.objectValue) {
            let scope = Scope()
            try run(ops, standalone: scope)
            extraScope = scope
        }
        let holder: Scope?
        switch op["via"]?.stringValue ?? "api" {
        case "api": holder = nil
        case "global": holder = SentrySDK.globalScope
        case "isolation": holder = SentrySDK.isolationScope
        case "current": holder = SentrySDK.currentScope
        case let other: throw ScenarioError("bad via \(other)")
        }
        let block: ((Scope) -> Void)? = kwargs.map { kw in { scope in Self.apply(kwargs: kw, to: scope) } }
        let before = transport.envelopes.count
        switch kind {
        case "capture_message":
            if kwargs?["level"] != nil { throw ScenarioError("capture_message: use op.level, not kwargs.level") }
            let message = op["message"]?.stringValue ?? ""
            let level = op["level"]?.stringValue.flatMap(SentryLevel.init(name:))
            if let holder {
                holder.capture(message: message, level: level, scope: extraScope, block: block)
            } else {
                SentrySDK.capture(message: message, level: level, scope: extraScope, block: block)
            }
        case "capture_exception":
            let error = ScenarioException(
                type: op["type"]?.stringValue ?? "ValueError", value: op["value"]?.stringValue ?? "boom")
            if let holder {
                holder.capture(error: error, scope: extraScope, block: block)
            } else {
                SentrySDK.capture(error: error, scope: extraScope, block: block)
            }
        default:
            let event = Event(raw: op["event"]?.objectValue ?? [:])
            if let holder {
                holder.capture(event: event, scope: extraScope, block: block)
            } else {
                SentrySDK.capture(event: event, scope: extraScope, block: block)
            }
        }
        let after = transport.envelopes.count
        if after == before {
            records.append(.dropped)
        } else {
            guard after == before + 1 else { throw ScenarioError("expected one envelope per capture") }
            records.append(.sent(envelopeIndex: before))
        }
    }

    /// The Python SDK's `update_from_kwargs`: tags/extras/contexts per key, user/level/fingerprint when not null.
    static func apply(kwargs: SentryJSONObject, to scope: Scope) {
        if let tags = kwargs["tags"]?.objectValue { scope.setTags(tags) }
        if let extras = kwargs["extras"]?.objectValue { for (k, v) in extras { scope.setExtra(k, v) } }
        if let contexts = kwargs["contexts"]?.objectValue {
            for (k, v) in contexts { if let o = v.objectValue { scope.setContext(k, o) } }
        }
        if let user = kwargs["user"]?.objectValue { scope.setUser(User(json: user)) }
        if let level = kwargs["level"]?.stringValue.flatMap(SentryLevel.init(name:)) { scope.setLevel(level) }
        if let fp = kwargs["fingerprint"]?.arrayValue { scope.setFingerprint(fp.compactMap(\.stringValue)) }
    }

    // MARK: - Output

    /// The normalised records (events and envelopes with placeholders).
    func output() -> [SentryJSON] {
        let envelopes = transport.envelopes
        var normalizer = Normalizer(verbatim: verbatim)
        var eventPlaceholders: [String: String] = [:]
        var out: [SentryJSON] = []
        for record in records {
            switch record {
            case .sent(let index):
                let env = envelopes[index]
                let placeholder = "<event:\(eventPlaceholders.count)>"
                eventPlaceholders[env.eventId ?? ""] = placeholder
                let event = normalizer.event(env.event?.raw ?? env.transaction?.raw ?? [:])
                let envelope = normalizer.envelope(env, eventPlaceholder: placeholder)
                out.append(["event": .object(event), "envelope": .object(envelope)])
            case .dropped:
                out.append(["dropped": true])
            case .probe(let id):
                let value: SentryJSON =
                    id == .empty ? .null : .string(eventPlaceholders[id.hexString] ?? "<unknown-event>")
                out.append(["probe": "last_event_id", "value": value])
            case .unsampled:
                out.append(["unsampled": true])
            case .traceHeaders(let h):
                out.append(["probe": "trace_headers", "value": .object(normalizer.traceHeaders(h))])
            }
        }
        return out
    }
}

/// The exception a scenario raises: reported with exactly its type and value, no module.
struct ScenarioException: CustomSentryException {
    var type: String
    var value: String
    var sentryExceptionType: String { type }
    var sentryExceptionValue: String { value }
}
