import CScopeCore

extension Scope {
    // MARK: - Tags

    /// Sets a string tag. Keys and values are cut to 200 characters.
    ///
    /// This is the fast path (no allocation): prefer it over `setTag(_:_:)`.
    public func setTag(_ key: String, _ value: String) {
        var key = key
        var value = value
        key.withUTF8 { k in
            value.withUTF8 { v in
                _ = csc_scope_set_tag_n(handle, CString.pointer(k), k.count, CString.pointer(v), v.count)
            }
        }
    }

    /// Sets a tag to any JSON value. Sentry expects strings; numbers, booleans and `null`
    /// are sent as they are (as the Python SDK does).
    public func setTag(_ key: String, _ value: SentryJSON) {
        if case .string(let s) = value { return setTag(key, s) }
        _ = csc_scope_set_tag_json(handle, key, value.makeJansson())
    }

    /// Sets several tags (like a dictionary update: other tags stay).
    public func setTags(_ tags: [String: String]) {
        for (k, v) in tags { setTag(k, v) }
    }

    /// Sets several tags with JSON values, in order.
    public func setTags(_ tags: SentryJSONObject) {
        for (k, v) in tags { setTag(k, v) }
    }

    /// Removes a tag from this scope only (wider scopes' values show through again).
    public func removeTag(_ key: String) {
        _ = csc_scope_remove_tag(handle, key)
    }

    // MARK: - Extras and contexts

    /// Sets an extra. Sentry keeps ten extras per event (the first ones set, global scope first).
    public func setExtra(_ key: String, _ value: SentryJSON) {
        _ = csc_scope_set_extra(handle, key, value.makeJansson())
    }

    /// Removes an extra from this scope only.
    public func removeExtra(_ key: String) {
        _ = csc_scope_remove_extra(handle, key)
    }

    /// Sets a context: a whole object that replaces a wider scope's context of the same key.
    ///
    /// ```swift
    /// scope.setContext("app", ["version": "1.2.3", "build": 42, "beta": true])
    /// ```
    public func setContext(_ key: String, _ value: SentryJSONObject) {
        _ = csc_scope_set_context(handle, key, value.makeJansson())
    }

    /// Removes a context from this scope only.
    public func removeContext(_ key: String) {
        _ = csc_scope_remove_context(handle, key)
    }

    // MARK: - User, level, transaction, fingerprint

    /// The user; `nil` unsets it on this scope, so a wider scope's user shows through.
    public var user: User? {
        get { json["user"]?.objectValue.map(User.init(json:)) }
        set { setUser(newValue) }
    }

    /// Sets the user; `nil` unsets it on this scope (a wider scope's user then shows through).
    public func setUser(_ user: User?) {
        _ = csc_scope_set_user(handle, user.map { $0.json.makeJansson() } ?? nil)
    }

    /// Sets the user from a raw JSON object (any keys); `nil` unsets it.
    public func setUser(json user: SentryJSONObject?) {
        _ = csc_scope_set_user(handle, user.map { $0.makeJansson() } ?? nil)
    }

    /// The level of events captured with this scope; it beats a captured message's own level.
    public var level: SentryLevel? {
        get { SentryLevel(csc_scope_get_level(handle)) }
        set { setLevel(newValue) }
    }

    /// Sets the level (`nil` unsets it on this scope).
    public func setLevel(_ level: SentryLevel?) {
        _ = csc_scope_set_level(handle, level.cLevel)
    }

    /// The transaction name (`nil` when unset on this scope).
    public var transaction: String? {
        get { json["transaction"]?.stringValue }
        set { setTransaction(newValue) }
    }

    /// The transaction source recorded on this scope (`transaction_info.source`).
    public var transactionSource: TransactionSource? {
        json["transaction_info"]?["source"]?.stringValue.map(TransactionSource.init(rawValue:))
    }

    /// Sets the transaction name. A `source` is recorded in `transaction_info`; `nil` keeps a
    /// source set earlier.
    public func setTransaction(_ name: String?, source: TransactionSource? = nil) {
        _ = csc_scope_set_transaction(handle, name, source?.rawValue)
    }

    /// Sets the fingerprint that groups events (`nil` unsets it; `[]` is a set, empty value).
    public func setFingerprint(_ fingerprint: [String]?) {
        guard let fingerprint else {
            _ = csc_scope_set_fingerprint(handle, nil, 0)
            return
        }
        let copies: [UnsafeMutablePointer<CChar>?] = fingerprint.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var parts: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        parts.append(nil)  // never empty, so the base address is never nil
        parts.withUnsafeBufferPointer { buf in
            _ = csc_scope_set_fingerprint(handle, buf.baseAddress, fingerprint.count)
        }
    }

    // MARK: - Attachments

    /// Adds an attachment, sent with every event captured while this scope is applied.
    public func addAttachment(_ attachment: Attachment) {
        switch attachment.content {
        case .bytes(let bytes):
            bytes.withUnsafeBytes { buf in
                _ = csc_scope_add_attachment_bytes(
                    handle, buf.baseAddress ?? UnsafeRawPointer(CString.empty), buf.count,
                    attachment.filename, attachment.contentType)
            }
        case .path(let path):
            _ = csc_scope_add_attachment_path(handle, path, attachment.filename, attachment.contentType)
        }
    }

    /// Removes this scope's attachments.
    public func clearAttachments() {
        _ = csc_scope_clear_attachments(handle)
    }

    // MARK: - Trace and last event id

    /// The trace id this scope propagates (32 hex characters), if it has one.
    public var traceId: String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 33) { buf in
            buf.initialize(repeating: 0)
            guard csc_scope_get_trace_id(handle, buf.baseAddress) else { return nil }
            return String(cString: buf.baseAddress!)
        }
    }

    /// The id of the last event captured while this scope was the isolation scope;
    /// ``SentryId/empty`` when none was.
    public var lastEventId: SentryId {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 33) { buf in
            buf.initialize(repeating: 0)
            guard csc_scope_get_last_event_id(handle, buf.baseAddress) else { return .empty }
            return SentryId(cBuffer: buf.baseAddress!) ?? .empty
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
