/// A JSON object that keeps its keys in insertion order, like a Python `dict`.
///
/// Setting an existing key keeps its position; removing a key and setting it again moves it
/// to the end. Equality and hashing ignore order (JSON semantics). Lookups are linear, which
/// is the fastest choice for the small objects scope data is made of.
///
/// ```swift
/// var data: SentryJSONObject = ["url": "/checkout", "status": 200]
/// data["method"] = "POST"
/// ```
public struct SentryJSONObject: Sendable {
    /// Key/value pairs in insertion order, keys unique.
    @usableFromInline
    internal var entries: [(String, SentryJSON)]

    /// An empty object.
    @inlinable
    public init() { entries = [] }

    /// An object from key/value pairs in order; a repeated key keeps its first position and last value.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, SentryJSON) {
        entries = []
        entries.reserveCapacity(pairs.underestimatedCount)
        for (k, v) in pairs { self[k] = v }
    }

    /// Adopts `pairs` as they are when their keys are unique (no copy), else dedupes.
    init(adopting pairs: [(String, SentryJSON)]) {
        var unique = true
        if pairs.count > 1 {
            outer: for i in 1..<pairs.count {
                for j in 0..<i where pairs[j].0 == pairs[i].0 {
                    unique = false
                    break outer
                }
            }
        }
        entries = unique ? pairs : []
        if !unique {
            for (k, v) in pairs { self[k] = v }
        }
    }

    /// An object from a dictionary. Keys are sorted, since a dictionary has no order.
    public init(_ dictionary: [String: SentryJSON]) {
        entries = dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The value for `key`; setting `nil` removes the key.
    public subscript(key: String) -> SentryJSON? {
        get {
            for e in entries where e.0 == key { return e.1 }
            return nil
        }
        set {
            if let i = entries.firstIndex(where: { $0.0 == key }) {
                if let newValue { entries[i].1 = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    /// The keys in insertion order.
    public var keys: [String] { entries.map(\.0) }

    /// The values in key insertion order.
    public var values: [SentryJSON] { entries.map(\.1) }

    /// The number of keys.
    public var count: Int { entries.count }

    /// True when the object has no keys.
    public var isEmpty: Bool { entries.isEmpty }

    /// Removes `key` and returns its value, if any.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> SentryJSON? {
        guard let i = entries.firstIndex(where: { $0.0 == key }) else { return nil }
        return entries.remove(at: i).1
    }

    /// Sets every key of `other` (existing keys keep their position), like Python's `dict.update`.
    public mutating func merge(_ other: SentryJSONObject) {
        for (k, v) in other.entries { self[k] = v }
    }

    /// The contents as a dictionary (order is lost).
    public var dictionary: [String: SentryJSON] {
        Dictionary(entries, uniquingKeysWith: { _, b in b })
    }
}

extension SentryJSONObject: Sequence {
    /// Iterates the key/value pairs in insertion order.
    public struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[(String, SentryJSON)]>

        public mutating func next() -> (key: String, value: SentryJSON)? {
            guard let (k, v) = base.next() else { return nil }
            return (key: k, value: v)
        }
    }

    /// Iterates the key/value pairs in insertion order.
    public func makeIterator() -> Iterator {
        Iterator(base: entries.makeIterator())
    }

    public var underestimatedCount: Int { entries.count }
}

extension SentryJSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, SentryJSON)...) {
        self.init(adopting: elements)
    }
}

extension SentryJSONObject: Hashable {
    public static func == (lhs: SentryJSONObject, rhs: SentryJSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (k, v) in lhs.entries {
            guard let other = rhs[k], other == v else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: sum of per-entry hashes.
        var sum = 0
        for (k, v) in entries {
            var h = Hasher()
            h.combine(k)
            h.combine(v)
            sum = sum &+ h.finalize()
        }
        hasher.combine(entries.count)
        hasher.combine(sum)
    }
}

extension SentryJSONObject: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { SentryJSON.object(self).serialized() }
}
