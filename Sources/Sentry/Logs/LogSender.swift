import CScopeCore

/// Hands log lines to the core, in the task's scopes (so the line carries their trace).
package enum LogSender {
    /// Whether the live client sends logs (one atomic load).
    package static var enabled: Bool { csc_logs_enabled() }

    /// Queues a log line (the core copies it; JSON is built on its logs thread). `origin` is an
    /// integration's `sentry.origin` (such as `auto.log.swift_log`); `nil` for direct API use.
    package static func send(
        level: SentryLog.Level, body: String, template: String? = nil, parameters: [SentryLog.Attribute] = [],
        attributes: [String: SentryLog.Attribute] = [:], origin: StaticString? = nil, loggerName: String? = nil,
        file: String? = nil, line: Int = 0, function: String? = nil
    ) {
        let active = AmbientSpans.resolve(ScopeStorage.active)  // an integration's span may be innermost
        var scopes = csc_scopes_t(
            global: ScopeStorage.global.handle, isolation: active.isolationScope.handle,
            current: active.currentScope.handle, extra: nil)
        var record = csc_log_record_t()
        record.level = csc_log_level_t(rawValue: UInt32(level.severityNumber))
        record.parameters = parameters.isEmpty ? nil : jansson(parameters)
        record.attributes = attributes.isEmpty ? nil : jansson(attributes)
        record.code_line = Int32(clamping: line)
        if let origin, origin.hasPointerRepresentation {  // a literal: NUL-terminated UTF-8 that lives forever
            record.origin = UnsafeRawPointer(origin.utf8Start).assumingMemoryBound(to: CChar.self)
        }
        body.withCString { body in
            record.body = body
            withOptionalCString(template) { template in
                record.message_template = template
                withOptionalCString(loggerName) { logger in
                    record.logger_name = logger
                    withOptionalCString(file) { file in
                        record.code_file = file
                        withOptionalCString(function) { function in
                            record.code_function = function
                            _ = csc_log_record(&record, &scopes)
                        }
                    }
                }
            }
        }
        withExtendedLifetime(active) {}
    }

    private static func jansson(_ values: [SentryLog.Attribute]) -> UnsafeMutablePointer<json_t>? {
        guard let a = json_array() else { return nil }
        for v in values { json_array_append_new(a, v.plainJansson()) }
        return a
    }

    private static func jansson(_ values: [String: SentryLog.Attribute]) -> UnsafeMutablePointer<json_t>? {
        guard let o = json_object() else { return nil }
        for (k, v) in values { json_object_set_new(o, k, v.plainJansson()) }
        return o
    }
}

extension SentryLog.Attribute {
    /// The plain JSON value; the core types it (`{"value": ..., "type": ...}`) on its logs thread.
    fileprivate func plainJansson() -> UnsafeMutablePointer<json_t>? { plainJSON.makeJansson() }

    var plainJSON: SentryJSON {
        switch self {
        case .string(let s): return .string(s)
        case .boolean(let b): return .bool(b)
        case .integer(let i): return .int(i)
        case .double(let d): return .double(d)
        case .stringArray(let a): return .array(a.map { .string($0) })
        case .integerArray(let a): return .array(a.map { .int($0) })
        case .doubleArray(let a): return .array(a.map { .double($0) })
        case .booleanArray(let a): return .array(a.map { .bool($0) })
        }
    }
}
