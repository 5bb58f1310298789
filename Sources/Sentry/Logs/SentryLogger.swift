/// Sends Sentry Logs: structured log lines, searchable by their attributes in Sentry, in the
/// trace of the span or request they were made in.
///
/// ```swift
/// SentrySDK.start(options: options)              // with options.enableLogs = true
/// SentrySDK.logger.info("Order \(orderId) paid with \(method)", attributes: ["cart.items": 3])
/// ```
///
/// An interpolated message keeps its template and values: the line above is sent with the body
/// `Order 1234 paid with card`, `sentry.message.template` `Order {0} paid with {1}` and the
/// values as `sentry.message.parameter.0` and `.1`. Without ``SentryOptions/enableLogs`` a call
/// costs one atomic load. The caller pays for a copy of the line; the JSON is built and sent on
/// the SDK's logs thread.
public struct SentryLogger: Sendable {
    init() {}

    /// A line at `trace` level.
    public func trace(_ message: SentryLogMessage, attributes: [String: SentryLog.Attribute] = [:]) {
        log(.trace, message, attributes: attributes)
    }
    /// A line at `debug` level.
    public func debug(_ message: SentryLogMessage, attributes: [String: SentryLog.Attribute] = [:]) {
        log(.debug, message, attributes: attributes)
    }
    /// A line at `info` level.
    public func info(_ message: SentryLogMessage, attributes: [String: SentryLog.Attribute] = [:]) {
        log(.info, message, attributes: attributes)
    }
    /// A line at `warn` level.
    public func warn(_ message: SentryLogMessage, attributes: [String: SentryLog.Attribute] = [:]) {
        log(.warn, message, attributes: attributes)
    }
    /// A line at `error` level.
    public func error(_ message: SentryLogMessage, attributes: [String: SentryLog.Attribute] = [:]) {
        log(.error, message, attributes: attributes)
    }
    /// A line at `fatal` level.
    public func fatal(_ message: SentryLogMessage, attributes: [String: SentryLog.Attribute] = [:]) {
        log(.fatal, message, attributes: attributes)
    }

    /// A line at `level`.
    public func log(
        _ level: SentryLog.Level, _ message: SentryLogMessage, attributes: [String: SentryLog.Attribute] = [:]
    ) {
        guard LogSender.enabled else { return }
        LogSender.send(
            level: level, body: message.body, template: message.parameters.isEmpty ? nil : message.template,
            parameters: message.parameters, attributes: attributes)
    }
}

extension SentrySDK {
    /// Sends Sentry Logs (with ``SentryOptions/enableLogs``); see ``SentryLogger``.
    public static var logger: SentryLogger { SentryLogger() }
}

/// A log message that remembers its template: each interpolated value becomes a parameter.
///
/// `"User \(id) signed in"` has the body `User 42 signed in`, the template `User {0} signed in`
/// and the parameter `42` (an integer). Strings, integers, floating-point numbers and booleans
/// keep their type; any other value is sent as its description.
public struct SentryLogMessage: Sendable, ExpressibleByStringInterpolation {
    /// The message as read.
    public let body: String
    /// The message with `{0}`, `{1}`, ... for its interpolated values.
    public let template: String
    /// The interpolated values, in order.
    public let parameters: [SentryLog.Attribute]

    public init(stringLiteral value: String) {
        body = value
        template = value
        parameters = []
    }

    public init(stringInterpolation: StringInterpolation) {
        body = stringInterpolation.body
        template = stringInterpolation.template
        parameters = stringInterpolation.parameters
    }

    /// Builds a ``SentryLogMessage`` from an interpolated string literal.
    public struct StringInterpolation: StringInterpolationProtocol {
        var body = ""
        var template = ""
        var parameters: [SentryLog.Attribute] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            body.reserveCapacity(literalCapacity + 8 * interpolationCount)
            template.reserveCapacity(literalCapacity + 3 * interpolationCount)
            parameters.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            body += literal
            template += literal
        }

        private mutating func append(_ value: SentryLog.Attribute, text: String) {
            template += "{\(parameters.count)}"
            parameters.append(value)
            body += text
        }

        public mutating func appendInterpolation(_ value: String) { append(.string(value), text: value) }
        public mutating func appendInterpolation(_ value: Bool) {
            append(.boolean(value), text: value ? "true" : "false")
        }
        public mutating func appendInterpolation<T: BinaryInteger>(_ value: T) {
            append(.integer(Int64(clamping: value)), text: value.description)
        }
        public mutating func appendInterpolation<T: BinaryFloatingPoint & CustomStringConvertible>(_ value: T) {
            append(.double(Double(value)), text: value.description)
        }
        public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
            let text = value.description
            append(.string(text), text: text)
        }
    }
}
