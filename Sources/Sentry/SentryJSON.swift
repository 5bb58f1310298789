/// A JSON value, as stored in tags, extras, contexts, user data, breadcrumb data and events.
///
/// `SentryJSON` is expressible by literals, so scope data reads naturally:
///
/// ```swift
/// scope.setContext("app", ["version": "1.2.3", "build": 42, "beta": true])
/// scope.setExtra("ids", [1, 2, 3])
/// scope.setTag("retry", nil)
/// ```
///
/// Objects are ``SentryJSONObject``s, which keep insertion order (Sentry's databag limits keep the
/// *first* ten entries of an object, so order is observable in sent events).
///
/// Equality follows JSON semantics: `.int(1) == .double(1.0)`, object key order is ignored,
/// and booleans never equal numbers.
///
/// Named `SentryJSON` (formerly `JSON`) because a top-level `JSON` type is common in apps and
/// their dependencies (and would make every unqualified `JSON` ambiguous); the prefix follows
/// sentry-cocoa's `Sentry*` names for types that are not Sentry concepts of their own.
public enum SentryJSON: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer number.
    case int(Int64)
    /// A floating-point number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([SentryJSON])
    /// An object, keeping insertion order.
    case object(SentryJSONObject)
}

extension SentryJSON {
    /// The string, if this is `.string`.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number as `Double`, if this is `.int` or `.double`.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The integer, if this is `.int` (or a `.double` with an integral value).
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d): return d.rounded() == d && abs(d) < 9.2e18 ? Int64(d) : nil
        default: return nil
        }
    }

    /// The boolean, if this is `.bool`.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The object, if this is `.object`.
    public var objectValue: SentryJSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array, if this is `.array`.
    public var arrayValue: [SentryJSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member `key` of an object, or `nil` (also when this is not an object).
    public subscript(key: String) -> SentryJSON? {
        objectValue?[key]
    }
}

extension SentryJSON: Hashable {
    public static func == (lhs: SentryJSON, rhs: SentryJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.int(let a), .double(let b)): return Double(a) == b
        case (.double(let a), .int(let b)): return a == Double(b)
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(1); hasher.combine(b)
        // Numbers hash by their Double value so that `.int(1)` and `.double(1)` agree.
        case .int(let i): hasher.combine(2); hasher.combine(Double(i))
        case .double(let d): hasher.combine(2); hasher.combine(d)
        case .string(let s): hasher.combine(3); hasher.combine(s)
        case .array(let a): hasher.combine(4); hasher.combine(a)
        case .object(let o): hasher.combine(5); hasher.combine(o)
        }
    }
}

extension SentryJSON: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension SentryJSON: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension SentryJSON: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension SentryJSON: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension SentryJSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension SentryJSON: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: SentryJSON...) { self = .array(elements) }
}

extension SentryJSON: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, SentryJSON)...) {
        self = .object(SentryJSONObject(adopting: elements))
    }
}

extension SentryJSON {
    /// A string value.
    public init(_ value: String) { self = .string(value) }
    /// An integer value.
    public init(_ value: Int) { self = .int(Int64(value)) }
    /// A floating-point value.
    public init(_ value: Double) { self = .double(value) }
    /// A boolean value.
    public init(_ value: Bool) { self = .bool(value) }
    /// An object value from a dictionary (keys sorted, since a dictionary has no order).
    public init(_ value: [String: SentryJSON]) { self = .object(SentryJSONObject(value)) }
}

extension SentryJSON: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { serialized() }
}
