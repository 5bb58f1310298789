/// The id of a captured event: 32 lower-case hex characters.
public struct SentryId: Sendable, Hashable, CustomStringConvertible {
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
