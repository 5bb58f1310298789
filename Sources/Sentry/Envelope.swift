import CScopeCore

/// A serialized Sentry envelope: a header line and items (an event, attachments, ...).
///
/// The bytes (``data``) are the envelope exactly as the core serialized it for the wire; the
/// header and items are read from them when asked for, so handing an envelope to a custom
/// ``SentryTransport`` costs one copy of the bytes.
public struct Envelope: Sendable, Hashable {
    /// One item of an envelope.
    public struct Item: Sendable, Hashable {
        /// The item type (`"event"`, `"attachment"`, ...).
        public let type: String
        /// The item header (`type`, `length`, `content_type`, `filename`, ...).
        public let headers: SentryJSONObject
        /// The payload bytes.
        public let payload: [UInt8]
    }

    /// The envelope as sent over the wire.
    public let data: [UInt8]

    /// Wraps serialized envelope bytes. `nil` when they are malformed.
    public init?(data: [UInt8]) {
        guard EnvelopeReader.read(data) != nil else { return nil }
        self.data = data
    }

    /// Copies a core envelope (borrowed): its serialized bytes.
    init(core env: OpaquePointer) {
        var len = 0
        guard let p = csc_envelope_serialize(env, &len) else {
            data = []
            return
        }
        data = p.withMemoryRebound(to: UInt8.self, capacity: len) { Array(UnsafeBufferPointer(start: $0, count: len)) }
    }

    /// The envelope header (`event_id`, `sent_at`, `trace`, ...).
    public var headers: SentryJSONObject { EnvelopeReader.read(data)?.headers ?? [:] }

    /// The items, in order.
    public var items: [Item] { EnvelopeReader.read(data)?.items ?? [] }

    /// The id of the envelope's event (32 hex characters), if it has one.
    public var eventId: String? { headers["event_id"]?.stringValue }

    /// The event of the envelope (its `event` item), if any.
    public var event: Event? {
        guard let item = items.first(where: { $0.type == "event" }),
            let obj = SentryJSON(parsing: item.payload)?.objectValue
        else { return nil }
        return Event(raw: obj)
    }
}

/// Reads the header line and items of serialized envelope bytes.
enum EnvelopeReader {
    /// The header and items of `data`; `nil` when it is malformed.
    static func read(_ data: [UInt8]) -> (headers: SentryJSONObject, items: [Envelope.Item])? {
        var pos = 0
        func line() -> ArraySlice<UInt8>? {
            guard pos < data.count else { return nil }
            let end = data[pos...].firstIndex(of: 0x0A) ?? data.count
            defer { pos = end + 1 }
            return data[pos..<end]
        }
        guard let head = line(), let headers = SentryJSON(parsing: Array(head))?.objectValue else { return nil }
        var items: [Envelope.Item] = []
        while pos < data.count {
            guard let h = line() else { break }
            if h.isEmpty { continue }
            guard let ih = SentryJSON(parsing: Array(h))?.objectValue else { return nil }
            let payload: ArraySlice<UInt8>
            if let length = ih["length"]?.intValue {
                let n = Int(length)
                guard n >= 0, pos + n <= data.count else { return nil }
                payload = data[pos..<(pos + n)]
                pos += n
                if pos < data.count, data[pos] == 0x0A { pos += 1 }
            } else {
                payload = line() ?? []
            }
            items.append(Envelope.Item(type: ih["type"]?.stringValue ?? "", headers: ih, payload: Array(payload)))
        }
        return (headers, items)
    }
}
