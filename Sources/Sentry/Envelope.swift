import CScopeCore

/// A serialized Sentry envelope: a header line and items (an event, attachments, ...).
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
    /// The id of the envelope's event (32 hex characters), if it has one.
    public let eventId: String?
    /// The envelope header (`event_id`, `sent_at`, `trace`, ...).
    public let headers: SentryJSONObject
    /// The items, in order.
    public let items: [Item]

    /// Parses serialized envelope bytes. `nil` when they are malformed.
    public init?(data: [UInt8]) {
        var pos = 0
        func line() -> ArraySlice<UInt8>? {
            guard pos < data.count else { return nil }
            let end = data[pos...].firstIndex(of: 0x0A) ?? data.count
            defer { pos = end + 1 }
            return data[pos..<end]
        }
        guard let head = line(), let headers = SentryJSON(parsing: Array(head))?.objectValue else { return nil }
        var items: [Item] = []
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
            items.append(Item(type: ih["type"]?.stringValue ?? "", headers: ih, payload: Array(payload)))
        }
        self.data = data
        self.headers = headers
        self.items = items
        self.eventId = headers["event_id"]?.stringValue
    }

    /// Copies a core envelope (borrowed).
    init(core env: OpaquePointer) {
        var len = 0
        var bytes: [UInt8] = []
        if let p = csc_envelope_serialize(env, &len) {
            bytes = p.withMemoryRebound(to: UInt8.self, capacity: len) { Array(UnsafeBufferPointer(start: $0, count: len)) }
        }
        if let parsed = Envelope(data: bytes) {
            self = parsed
            return
        }
        // Unparseable: fall back to the core's own view of the items.
        var items: [Item] = []
        for i in 0..<csc_envelope_item_count(env) {
            var n = 0
            let type = csc_envelope_item_type(env, i).map { String(cString: $0) } ?? ""
            let payload = csc_envelope_item_payload(env, i, &n).map {
                $0.withMemoryRebound(to: UInt8.self, capacity: n) { Array(UnsafeBufferPointer(start: $0, count: n)) }
            } ?? []
            items.append(Item(type: type, headers: ["type": .string(type)], payload: payload))
        }
        let id = csc_envelope_event_id(env).map { String(cString: $0) } ?? ""
        self.data = bytes
        self.headers = id.isEmpty ? [:] : ["event_id": .string(id)]
        self.items = items
        self.eventId = id.isEmpty ? nil : id
    }

    /// The event of the envelope (its `event` item), if any.
    public var event: Event? {
        guard let item = items.first(where: { $0.type == "event" }),
              let obj = SentryJSON(parsing: item.payload)?.objectValue else { return nil }
        return Event(raw: obj)
    }
}
