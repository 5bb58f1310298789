import Sentry

/// A transport that keeps every envelope in memory, for tests.
///
/// ```swift
/// let transport = InMemoryTransport()
/// SentrySDK.start { $0.dsn = "https://key@example.invalid/1"; $0.transport = transport }
/// SentrySDK.capture(message: "hi")
/// #expect(transport.events.first?.message == "hi")
/// ```
public final class InMemoryTransport: SentryTransport {
    private let storage = Locked<[Envelope]>([])

    /// An empty transport.
    public init() {}

    public func send(envelope: Envelope) {
        storage.withLock { $0.append(envelope) }
    }

    /// The envelopes received so far, oldest first.
    public var envelopes: [Envelope] {
        storage.withLock { $0 }
    }

    /// The events of the envelopes received so far, oldest first.
    public var events: [Event] {
        envelopes.compactMap(\.event)
    }

    /// Forgets the envelopes received so far.
    public func removeAll() {
        storage.withLock { $0.removeAll() }
    }
}
