import AsyncHTTPClient
import Sentry
import SentryAsyncHTTPClient

// Compiles a call; nothing listens on port 1.
_ = try? await HTTPClient.shared.executeWithSentry(HTTPClientRequest(url: "http://127.0.0.1:1/"), timeout: .seconds(1))
