import Sentry
import SentryVapor
import Vapor

let app = try await Application.make(.testing)
app.middleware.use(SentryMiddleware())
app.get("hello") { _ in "hello" }
try await app.asyncShutdown()
