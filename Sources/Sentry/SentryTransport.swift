/// Sends envelopes to Sentry (or anywhere else).
///
/// Set ``SentryOptions/transport`` to replace the core's HTTP transport, e.g. with
/// SentryTestKit's `InMemoryTransport` in tests.
///
/// Implementation requirements: ``send(envelope:)`` is called on the capturing thread, so it
/// must return quickly (hand the bytes to a queue) and must be safe to call concurrently.
public protocol SentryTransport: Sendable {
    /// Takes one envelope.
    func send(envelope: Envelope)
}
