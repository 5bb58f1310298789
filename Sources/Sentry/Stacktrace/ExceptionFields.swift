#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `type`, `value` and `module` of one error as Sentry shows them.
///
/// - type: the fully qualified type name (`MyApp.PaymentError`), with the build-specific
///   `(unknown context at $…)` of private types removed;
/// - value: `LocalizedError.errorDescription`, else the error's description
///   (`CustomStringConvertible`, or the enum case with its payload), `DecodingError` /
///   `EncodingError` as their debug description and coding path;
/// - module: the type's module.
///
/// ``CustomSentryException`` overrides all three.
struct ExceptionFields: Equatable {
    var type: String
    var value: String
    var module: String?

    init(_ error: any Error) {
        let error = SentryTracedError.unwrap(error)
        if let custom = error as? any CustomSentryException {
            type = custom.sentryExceptionType
            value = custom.sentryExceptionValue
            module = custom.sentryExceptionModule
            return
        }
        let name = SwiftSymbolName.stableTypeName(String(reflecting: Swift.type(of: error)))
        let prefix = name.firstIndex(of: ".").map { String(name[..<$0]) }
        type = name
        module = prefix?.hasPrefix("(") == true ? nil : prefix
        value = Self.value(of: error)
    }

    static func value(of error: any Error) -> String {
        if let localized = error as? any LocalizedError, let description = localized.errorDescription {
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
                if let index = key.intValue { rendered += "[\(index)]" } else {
                    rendered += (rendered.isEmpty ? "" : ".") + key.stringValue
                }
            }
            text += " (at \(rendered))"
        }
        return text
    }
}
