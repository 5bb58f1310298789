import Sentry

/// The tracing ops of format 2 (Tests/Scenarios/README.md), through the Swift API.
extension Execution {
    mutating func runTracing(_ op: SentryJSONObject) throws(ScenarioError) {
        switch op["op"]?.stringValue ?? "" {
        case "continue_trace":
            let headers = Self.headers(op["headers"])
            remember(headers)
            SentrySDK.continueTrace(headers: headers)
        case "start_transaction":
            try startTransaction(op)
        case "start_span":
            let ops = Self.ops(op)
            try SentrySDK.withSpan(
                operation: op["span_op"]?.stringValue ?? "", description: op["description"]?.stringValue
            ) {
                (span: SentrySpan) throws(ScenarioError) in
                Self.applySpanFields(span, op)
                try run(ops, standalone: nil)
            }
        case "set_http_status":
            if let code = op["code"]?.intValue { SentrySDK.span?.setHTTPStatus(Int(code)) }
        case "trace_headers":
            records.append(.traceHeaders(SentrySDK.traceHeaders()))
        case let other:
            throw ScenarioError("unknown op \(other) in scenario \(scenarioName)")
        }
    }

    /// `withTransaction` when the op needs nothing else; the manual API for a forced decision or a
    /// custom sampling context. The record comes when the transaction finishes.
    mutating func startTransaction(_ op: SentryJSONObject) throws(ScenarioError) {
        let name = op["name"]?.stringValue ?? ""
        let operation = op["span_op"]?.stringValue ?? ""
        let source = op["source"]?.stringValue.map(TransactionSource.init(rawValue:)) ?? .custom
        let headers = op["headers"].map { Self.headers($0) }
        if let headers { remember(headers) }
        let ops = Self.ops(op)
        var sampled: Bool?
        var before = 0
        if op["sampled"] != nil || op["custom"] != nil {
            let tx = SentrySDK.startTransaction(
                name: name, operation: operation, source: source, headers: headers,
                sampled: op["sampled"]?.boolValue, customSamplingContext: op["custom"]?.objectValue)
            Self.applySpanFields(tx, op)
            try SentrySDK.withActiveSpan(tx) { () throws(ScenarioError) in try run(ops, standalone: nil) }
            before = transport.envelopes.count
            tx.finish()
            sampled = tx.sampled
        } else {
            try SentrySDK.withTransaction(name: name, operation: operation, source: source, headers: headers) {
                (tx: SentrySpan) throws(ScenarioError) in
                Self.applySpanFields(tx, op)
                try run(ops, standalone: nil)
                before = transport.envelopes.count  // what the inner ops sent is theirs
                sampled = tx.sampled
            }
        }
        if sampled != true {
            records.append(.unsampled)
            return
        }
        let after = transport.envelopes.count
        if after == before {
            records.append(.dropped)
        } else {
            guard after == before + 1 else { throw ScenarioError("expected one envelope per transaction") }
            records.append(.sent(envelopeIndex: before))
        }
    }

    /// The optional data / tags / status / http_status of a transaction or span op.
    static func applySpanFields(_ span: SentrySpan, _ op: SentryJSONObject) {
        for (k, v) in op["data"]?.objectValue ?? [:] { span.setData(k, v) }
        for (k, v) in op["tags"]?.objectValue ?? [:] { span.setTag(k, v.stringValue ?? v.serialized()) }
        if let status = op["status"]?.stringValue { span.setStatus(SpanStatus(rawValue: status)) }
        if let code = op["http_status"]?.intValue { span.setHTTPStatus(Int(code)) }
    }

    static func ops(_ op: SentryJSONObject) -> [SentryJSONObject] {
        op["ops"]?.arrayValue?.compactMap(\.objectValue) ?? []
    }

    static func headers(_ json: SentryJSON?) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in json?.objectValue ?? [:] { if let s = v.stringValue { out[k] = s } }
        return out
    }

    /// Ids (32 or 16 lower-case hex characters) and `sentry-sample_rand` values of the scenario's
    /// headers: the oracle keeps them verbatim.
    mutating func remember(_ headers: [String: String]) {
        for value in headers.values {
            var run = ""
            for ch in value + " " {
                if ch.isHexDigit && !ch.isUppercase { run.append(ch); continue }
                if run.count == 32 || run.count == 16 { verbatim.insert(run) }
                run = ""
            }
        }
        for item in (headers["baggage"] ?? "").split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingSpaces == "sentry-sample_rand" {
                verbatim.insert(String(parts[1].trimmingSpaces))
            }
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
