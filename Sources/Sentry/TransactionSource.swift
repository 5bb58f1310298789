/// How a transaction name was chosen (`transaction_info.source`), which tells Sentry whether
/// the name has low cardinality.
public struct TransactionSource: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
    /// The source as sent to Sentry.
    public let rawValue: String

    /// A source by name.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { rawValue = value }

    /// Set by the user.
    public static let custom: TransactionSource = "custom"
    /// A raw URL (high cardinality).
    public static let url: TransactionSource = "url"
    /// A parametrized route, e.g. `/users/:id`.
    public static let route: TransactionSource = "route"
    /// A view or handler name.
    public static let view: TransactionSource = "view"
    /// A component name.
    public static let component: TransactionSource = "component"
    /// A background task name.
    public static let task: TransactionSource = "task"
}
