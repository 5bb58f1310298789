/// The id of a captured event: 32 lower-case hex characters.
///
/// Captures return ``SentryId/empty`` (all zeros, as in sentry-cocoa) when the event was not
/// sent: the SDK is not started, the event was sampled out, or an event processor or
/// `beforeSend` dropped it.
public struct SentryId: Sendable, Hashable, CustomStringConvertible {
    /// The id of no event: 32 zeros. What a capture returns when nothing was sent.
    public static let empty = SentryId(hexString: String(repeating: "0", count: 32))

    /// The id as 32 lower-case hex characters (no dashes).
    public let hexString: String

    /// Wraps an id given as 32 hex characters.
    public init(hexString: String) { self.hexString = hexString }

    /// Reads a NUL-terminated id the core wrote into `buffer`; `nil` when empty.
    init?(cBuffer buffer: UnsafePointer<CChar>) {
        let s = String(cString: buffer)
        guard !s.isEmpty else { return nil }
        hexString = s
    }

    public var description: String { hexString }
}
