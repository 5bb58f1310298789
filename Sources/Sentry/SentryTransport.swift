/// Sends envelopes to Sentry (or anywhere else).
///
/// Set ``SentryOptions/transport`` to replace the core's HTTP transport, e.g. with
/// ``InMemoryTransport`` in tests.
///
/// Implementation requirements: ``send(envelope:)`` is called on the capturing thread, so it
/// must return quickly (hand the bytes to a queue) and must be safe to call concurrently.
public protocol SentryTransport: Sendable {
    /// Takes one envelope.
    func send(envelope: Envelope)
}

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
