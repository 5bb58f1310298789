import CScopeCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `type`, `value` and `module` of one error as Sentry shows them (written into the event
/// by ``exceptionValuesJansson(for:stacktrace:)``):
///
/// - type: the fully qualified type name (`MyApp.PaymentError`), with the build-specific
///   `(unknown context at $…)` of private types removed (``ErrorTypeInfo/name``);
/// - value: `LocalizedError.errorDescription`, else the error's description
///   (`CustomStringConvertible`, or the enum case with its payload), `DecodingError` /
///   `EncodingError` as their debug description and coding path (``value(of:info:)``);
/// - module: the type's module (``ErrorTypeInfo/module``).
///
/// ``CustomSentryException`` overrides all three.
enum ExceptionFields {
    /// The exception value of `error` (whose type is `info`'s: the casts it cannot pass are skipped).
    static func value(of error: any Error, info: ErrorTypeInfo? = nil) -> String {
        if info?.isLocalized ?? true, let localized = error as? any LocalizedError,
            let description = localized.errorDescription
        {
            return description
        }
        if let decoding = error as? DecodingError {
            let (name, context) = caseName(decoding)
            return describe(name, context.debugDescription, context.codingPath)
        }
        if let encoding = error as? EncodingError, case .invalidValue(_, let context) = encoding {
            return describe("invalidValue", context.debugDescription, context.codingPath)
        }
        return String(describing: error)
    }

    private static func caseName(_ error: DecodingError) -> (String, DecodingError.Context) {
        switch error {
        case .typeMismatch(_, let c): return ("typeMismatch", c)
        case .valueNotFound(_, let c): return ("valueNotFound", c)
        case .keyNotFound(let key, let c): return ("keyNotFound(\(key.stringValue))", c)
        case .dataCorrupted(let c): return ("dataCorrupted", c)
        @unknown default: return ("unknown", error.sentryContext)
        }
    }

    /// `typeMismatch: Expected Int (at items[0].price)`.
    private static func describe(_ name: String, _ debugDescription: String, _ path: [any CodingKey]) -> String {
        var text = debugDescription.isEmpty ? name : "\(name): \(debugDescription)"
        if !path.isEmpty {
            var rendered = ""
            for key in path {
                if let index = key.intValue {
                    rendered += "[\(index)]"
                } else {
                    rendered += (rendered.isEmpty ? "" : ".") + key.stringValue
                }
            }
            text += " (at \(rendered))"
        }
        return text
    }
}

/// What the exception fields need from an error's type, worked out once per type: a type name
/// from `String(reflecting:)` and the clean-up of private types cost microseconds per capture.
struct ErrorTypeInfo: Sendable {
    /// The stable, fully qualified type name (``SwiftSymbolName/stableTypeName(_:)``).
    var name: String
    /// The type's module (`nil` when the name does not start with one).
    var module: String?
    /// A Foundation type (`Foundation.*`, `FoundationEssentials.*`): causes are in its `userInfo`.
    var isFoundation: Bool
    /// The type conforms to ``CustomSentryException``, `LocalizedError`, ``SentryUnderlyingError``
    /// (a type's conformances do not change: the dynamic casts, a good part of a capture's cost,
    /// are only made for types that can pass them).
    var isCustom: Bool
    var isLocalized: Bool
    var isUnderlying: Bool
    /// `name` and `module` as jansson strings, shared by the events (``SharedJansson``).
    var nameJSON: SharedJansson
    var moduleJSON: SharedJansson?

    /// Types seen at most before the cache starts over (types are few; this bounds the odd
    /// program that makes generic error types without end).
    private static let capacity = 1024
    private static let cache = Locked<[ObjectIdentifier: ErrorTypeInfo]>([:])

    static func of(_ type: any Error.Type) -> ErrorTypeInfo {
        let key = ObjectIdentifier(type)
        if let info = cache.withLock({ $0[key] }) { return info }
        let reflected = String(reflecting: type)
        let name = SwiftSymbolName.stableTypeName(reflected)
        let prefix = name.firstIndex(of: ".").map { String(name[..<$0]) }
        let module = prefix?.hasPrefix("(") == true ? nil : prefix
        let info = ErrorTypeInfo(
            name: name, module: module, isFoundation: reflected.hasPrefix("Foundation"),
            isCustom: type is any CustomSentryException.Type,
            isLocalized: type is any LocalizedError.Type,
            isUnderlying: type is any SentryUnderlyingError.Type,
            nameJSON: SharedJansson(makeJanssonString(name)),
            moduleJSON: module.map { SharedJansson(makeJanssonString($0)) })
        cache.withLock { c in
            if c.count >= capacity { c.removeAll(keepingCapacity: true) }
            c[key] = info
        }
        return info
    }
}
