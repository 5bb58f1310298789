/// The id of a captured event: 32 lower-case hex characters.
///
/// Captures return ``SentryId/empty`` (all zeros, as in sentry-cocoa) when the event was not
/// sent: the SDK is not started, the event was sampled out, or an event processor or
/// `beforeSend` dropped it.
public struct SentryId: Sendable, Hashable, CustomStringConvertible {
    /// The id of no event: 32 zeros. What a capture returns when nothing was sent.
    ///
    /// Computed from a literal: no lazy global and no reference counting, so a capture on a
    /// disabled SDK stays a few nanoseconds.
    @inlinable
    public static var empty: SentryId { SentryId(hexString: "00000000000000000000000000000000") }

    /// The id as 32 lower-case hex characters (no dashes).
    public let hexString: String

    /// Wraps an id given as 32 hex characters.
    @inlinable
    public init(hexString: String) { self.hexString = hexString }

    /// Reads a NUL-terminated id the core wrote into `buffer`; `nil` when empty.
    init?(cBuffer buffer: UnsafePointer<CChar>) {
        let s = String(cString: buffer)
        guard !s.isEmpty else { return nil }
        hexString = s
    }

    public var description: String { hexString }
}
