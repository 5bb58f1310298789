import CScopeCore

/// `{"type": "generic", "handled": true}`, the mechanism of a lone exception (shared, never changed).
private let genericMechanism = SharedJansson(
    {
        let m = json_object()
        json_object_set_new(m, "type", json_string("generic"))
        json_object_set_new(m, "handled", json_true())
        return m
    }())

/// Sentry's `exception.values` for a Swift error, as a new jansson array (the caller owns it).
///
/// A plain error gives one exception. An error with causes (``SentryUnderlyingError``,
/// `NSUnderlyingErrorKey`, `DecodingError` / `EncodingError` contexts) gives an exception group
/// as Sentry's spec wants it: exceptions numbered depth-first from the captured error
/// (`mechanism.exception_id` 0) with `parent_id` and `source` on every cause, `is_exception_group`
/// on errors with more than one cause, and the list ordered so that the captured error comes
/// last (exception_id 0 last, 1 before it, ...). Causes have mechanism type `chained`.
///
/// Each exception has `type`, `value` and `module` (see ``ExceptionFields``). Only the captured
/// error gets `stacktrace` (`{"frames": [...]}`, consumed; `nil`: none): Swift errors do not
/// record where they were thrown. A lone error's mechanism is `{type: generic, handled: true}`.
/// Thread-safe.
func exceptionValuesJansson(for error: any Error, stacktrace: UnsafeMutablePointer<json_t>?) -> UnsafeMutablePointer<
    json_t
>? {
    let nodes = exceptionNodes(for: error)
    guard let values = json_array() else {
        json_decref(stacktrace)
        return nil
    }
    let chained = nodes.count > 1
    var stacktrace = stacktrace
    for id in stride(from: nodes.count - 1, through: 0, by: -1) {
        let node = nodes[id]
        guard let exception = json_object() else { continue }
        // ExceptionFields, with the type's name and module as shared jansson strings.
        let error = SentryTracedError.unwrap(node.error)
        let info = ErrorTypeInfo.of(type(of: error))
        if info.isCustom, let custom = error as? any CustomSentryException {
            json_object_set_new_nocheck(exception, "type", makeJanssonString(custom.sentryExceptionType))
            json_object_set_new_nocheck(exception, "value", makeJanssonString(custom.sentryExceptionValue))
            if let module = custom.sentryExceptionModule {
                json_object_set_new_nocheck(exception, "module", makeJanssonString(module))
            }
        } else {
            json_object_set_new_nocheck(exception, "type", info.nameJSON.share())
            json_object_set_new_nocheck(
                exception, "value", makeJanssonString(ExceptionFields.value(of: error, info: info)))
            if let module = info.moduleJSON { json_object_set_new_nocheck(exception, "module", module.share()) }
        }
        let mechanism: UnsafeMutablePointer<json_t>?
        if chained {
            mechanism = json_object()
            json_object_set_new_nocheck(mechanism, "type", json_string(id == 0 ? "generic" : "chained"))
            json_object_set_new_nocheck(mechanism, "handled", json_true())
            json_object_set_new_nocheck(mechanism, "exception_id", json_integer(json_int_t(id)))
            if let parent = node.parent {
                json_object_set_new_nocheck(mechanism, "parent_id", json_integer(json_int_t(parent)))
            }
            if let source = node.source { json_object_set_new_nocheck(mechanism, "source", makeJanssonString(source)) }
            if node.isGroup { json_object_set_new_nocheck(mechanism, "is_exception_group", json_true()) }
        } else {
            mechanism = genericMechanism.share()
        }
        json_object_set_new_nocheck(exception, "mechanism", mechanism)
        if id == 0, let trace = stacktrace {
            stacktrace = nil
            json_object_set_new_nocheck(exception, "stacktrace", trace)
        }
        json_array_append_new(values, exception)
    }
    json_decref(stacktrace)
    return values
}

/// One error of an exception group: the captured error (index 0) and its causes, depth-first.
struct ExceptionNode {
    var error: any Error
    var source: String?
    var parent: Int?
    var isGroup: Bool
}

/// The errors of `error`'s exception group, numbered depth-first from `error` (index 0).
func exceptionNodes(for error: any Error) -> [ExceptionNode] {
    typealias Node = ExceptionNode
    var nodes: [Node] = []
    func visit(_ error: any Error, source: String?, parent: Int?, depth: Int) {
        guard nodes.count < ErrorChain.maxExceptions else { return }
        let (links, isGroup) = ErrorChain.causes(of: error)
        let id = nodes.count
        nodes.append(Node(error: error, source: source, parent: parent, isGroup: isGroup))
        guard depth < ErrorChain.maxDepth else { return }
        for link in links { visit(link.error, source: link.source, parent: id, depth: depth + 1) }
    }
    visit(error, source: nil, parent: nil, depth: 0)
    return nodes
}
