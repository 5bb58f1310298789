/// A file sent along with the events captured while it is on a scope.
///
/// ```swift
/// scope.addAttachment(Attachment(bytes: Array("hello".utf8), filename: "hello.txt", contentType: "text/plain"))
/// scope.addAttachment(Attachment(path: "/var/log/app.log"))
/// ```
public struct Attachment: Sendable, Hashable {
    /// Where the content comes from.
    public enum Content: Sendable, Hashable {
        /// Bytes held in memory.
        case bytes([UInt8])
        /// A file, read when an event is sent.
        case path(String)
    }

    /// The content.
    public var content: Content
    /// The file name shown in Sentry (for a path: its last component unless given).
    public var filename: String
    /// The MIME type; `nil` infers it from the file name (else `application/octet-stream`).
    public var contentType: String?

    /// An attachment from bytes.
    public init(bytes: [UInt8], filename: String, contentType: String? = nil) {
        content = .bytes(bytes)
        self.filename = filename
        self.contentType = contentType
    }

    /// An attachment from a UTF-8 string.
    public init(text: String, filename: String, contentType: String? = "text/plain") {
        self.init(bytes: Array(text.utf8), filename: filename, contentType: contentType)
    }

    /// An attachment read from a file when an event is sent.
    public init(path: String, filename: String? = nil, contentType: String? = nil) {
        content = .path(path)
        self.filename = filename ?? String(path.split(separator: "/").last ?? Substring(path))
        self.contentType = contentType
    }
}
