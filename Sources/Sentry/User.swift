/// The user an event is about.
///
/// A user replaces a wider scope's user as a whole (fields are not merged), as in every
/// Sentry SDK. An all-`nil` user with empty `data` still hides the wider scopes' users;
/// to stop hiding them, set the scope's user to `nil` instead.
///
/// ```swift
/// SentrySDK.setUser(User(id: "42", email: "jane@example.com"))
/// ```
public struct User: Sendable, Hashable {
    /// The application's id for the user.
    public var id: String?
    /// The user's email address.
    public var email: String?
    /// The user's name.
    public var username: String?
    /// The user's IP address (removed before sending unless `sendDefaultPii` is on).
    public var ipAddress: String?
    /// Any other fields (e.g. `"segment"`), sent next to the known ones.
    public var data: SentryJSONObject

    /// Creates a user.
    public init(
        id: String? = nil, email: String? = nil, username: String? = nil, ipAddress: String? = nil,
        data: SentryJSONObject = [:]
    ) {
        self.id = id
        self.email = email
        self.username = username
        self.ipAddress = ipAddress
        self.data = data
    }

    /// Reads a user object as sent to Sentry. Known keys with string values fill the typed
    /// fields; every other key (or a known key with another type) goes to ``data``.
    public init(json: SentryJSONObject) {
        self.init()
        for (k, v) in json {
            switch (k, v) {
            case ("id", .string(let s)): id = s
            case ("email", .string(let s)): email = s
            case ("username", .string(let s)): username = s
            case ("ip_address", .string(let s)): ipAddress = s
            default: data[k] = v
            }
        }
    }

    /// The user as a JSON object (`id`, `email`, `username`, `ip_address`, then ``data``).
    public var json: SentryJSONObject {
        var o = SentryJSONObject()
        if let id { o["id"] = .string(id) }
        if let email { o["email"] = .string(email) }
        if let username { o["username"] = .string(username) }
        if let ipAddress { o["ip_address"] = .string(ipAddress) }
        for (k, v) in data where o[k] == nil { o[k] = v }
        return o
    }
}
