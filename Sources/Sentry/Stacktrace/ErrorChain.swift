/// Finds the errors an error was caused by, for exception groups.
enum ErrorChain {
    /// Errors kept per event at most (the captured one included); deeper or later ones are dropped.
    static let maxExceptions = 16
    /// Levels of nesting followed at most.
    static let maxDepth = 8

    /// One cause of an error and where it was found (`mechanism.source`).
    struct Link {
        var source: String
        var error: any Error
    }

    /// The direct causes of `error`, and whether `error` is a group (more than one cause).
    static func causes(of error: any Error) -> (links: [Link], isGroup: Bool) {
        let error = SentryTracedError.unwrap(error)
        let info = ErrorTypeInfo.of(type(of: error))
        if info.isUnderlying, let wrapper = error as? any SentryUnderlyingError {
            let errors = wrapper.underlyingErrors
            let links = errors.enumerated().map { Link(source: "underlyingErrors[\($0.offset)]", error: $0.element) }
            return (links, errors.count > 1)
        }
        if let decoding = error as? DecodingError {
            return (contextCause(decoding.sentryContext).map { [$0] } ?? [], false)
        }
        if let encoding = error as? EncodingError, case .invalidValue(_, let context) = encoding {
            return (contextCause(context).map { [$0] } ?? [], false)
        }
        if info.isFoundation {  // Foundation, FoundationEssentials
            return foundationCauses(of: error)
        }
        return ([], false)
    }

    private static func contextCause(_ context: DecodingError.Context) -> Link? {
        context.underlyingError.map { Link(source: "underlyingError", error: $0) }
    }

    private static func contextCause(_ context: EncodingError.Context) -> Link? {
        context.underlyingError.map { Link(source: "underlyingError", error: $0) }
    }

    /// `NSError` and Foundation's error structs (`CocoaError`, `URLError`, ...), read through
    /// their `userInfo` by reflection so the SDK does not link all of Foundation.
    private static func foundationCauses(of error: any Error) -> (links: [Link], isGroup: Bool) {
        guard let userInfo = userInfo(of: error) else { return ([], false) }
        var links: [Link] = []
        if let underlying = userInfo["NSUnderlyingError"] as? any Error {
            links.append(Link(source: "NSUnderlyingError", error: underlying))
        }
        if let multiple = userInfo["NSMultipleUnderlyingErrorsKey"] as? [Any] {
            for (i, element) in multiple.enumerated() {
                if let e = element as? any Error {
                    links.append(Link(source: "NSMultipleUnderlyingErrorsKey[\(i)]", error: e))
                }
            }
        }
        return (links, links.count > 1)
    }

    private static func userInfo(of error: any Error) -> [String: Any]? {
        var mirror: Mirror? = Mirror(reflecting: error)
        while let m = mirror {
            for child in m.children where child.label == "_userInfo" || child.label == "userInfo" {
                if let info = child.value as? [String: Any] { return info }
                if let info = child.value as? [String: Any]?, let unwrapped = info { return unwrapped }
            }
            mirror = m.superclassMirror
        }
        return nil
    }
}

extension DecodingError {
    /// The context every case carries.
    var sentryContext: DecodingError.Context {
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): return c
        @unknown default: return DecodingError.Context(codingPath: [], debugDescription: "")
        }
    }
}
