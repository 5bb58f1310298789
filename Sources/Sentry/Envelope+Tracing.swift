extension Envelope {
    /// The transaction event of the envelope (its `transaction` item), if any.
    public var transaction: Event? {
        guard let item = items.first(where: { $0.type == "transaction" }),
            let obj = SentryJSON(parsing: item.payload)?.objectValue
        else { return nil }
        return Event(raw: obj)
    }

    /// The envelope header's dynamic sampling context (`trace`), if any.
    public var dynamicSamplingContext: SentryJSONObject? { headers["trace"]?.objectValue }
}
