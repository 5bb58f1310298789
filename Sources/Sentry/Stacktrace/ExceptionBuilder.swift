/// Sentry's `exception.values` for a Swift error, with the stack trace of the capture site.
///
/// A plain error gives one exception. An error with causes (``SentryUnderlyingError``,
/// `NSUnderlyingErrorKey`, `DecodingError` / `EncodingError` contexts) gives an exception group
/// as Sentry's spec wants it: exceptions numbered depth-first from the captured error
/// (`mechanism.exception_id` 0) with `parent_id` and `source` on every cause, `is_exception_group`
/// on errors with more than one cause, and the list ordered so that the captured error comes
/// last (exception_id 0 last, 1 before it, ...). Causes have mechanism type `chained`.
///
/// Only the captured error gets the stack trace (``sentryStacktrace(skip:inApp:)``, the SDK's
/// frames trimmed, `skip` more dropped); Swift errors do not record where they were thrown.
/// Mechanism is `{type: generic, handled: true}`. Thread-safe.
@inline(never)
func sentryException(for error: any Error, inApp: InAppRules = InAppRules(), attachStacktrace: Bool = true,
                     skip: Int = 0) -> [JSON] {
    let frames = attachStacktrace ? captureStacktrace(skip: skip, inApp: inApp).frames : []
    return exceptionValues(for: error, frames: frames)
}

/// ``sentryException(for:inApp:attachStacktrace:skip:)`` with frames supplied by the caller
/// (oldest first; empty for none).
func exceptionValues(for error: any Error, frames: [JSON]) -> [JSON] {
    struct Node {
        var error: any Error
        var source: String?
        var parent: Int?
        var isGroup: Bool
    }
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

    let chained = nodes.count > 1
    var values: [JSON] = []
    values.reserveCapacity(nodes.count)
    for (id, node) in nodes.enumerated().reversed() {
        let fields = ExceptionFields(node.error)
        var mechanism: [(String, JSON)] = [("type", .string(id == 0 ? "generic" : "chained")), ("handled", .bool(true))]
        if chained {
            mechanism.append(("exception_id", .int(Int64(id))))
            if let parent = node.parent { mechanism.append(("parent_id", .int(Int64(parent)))) }
            if let source = node.source { mechanism.append(("source", .string(source))) }
            if node.isGroup { mechanism.append(("is_exception_group", .bool(true))) }
        }
        var exception: [(String, JSON)] = [("type", .string(fields.type)), ("value", .string(fields.value))]
        if let module = fields.module { exception.append(("module", .string(module))) }
        exception.append(("mechanism", .object(JSONObject(adopting: mechanism))))
        if id == 0, !frames.isEmpty {
            exception.append(("stacktrace", .object(JSONObject(adopting: [("frames", .array(frames))]))))
        }
        values.append(.object(JSONObject(adopting: exception)))
    }
    return values
}
