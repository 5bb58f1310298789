// sentry-example-vapor: a Vapor 4 server with SentryMiddleware and AsyncHTTPClient spans. Its
// routes are a contract the tests rely on (Examples/README.md):
//   GET /hello/:name   200 "hello NAME"
//   GET /fail/:id      tags example.id, adds a breadcrumb, throws: 500, an unhandled error event
//   GET /call?url=U    fetches U with AsyncHTTPClient in the request's transaction; answers its status
//   GET /slow/:seconds sleeps that long, then "slept N"; with --request-timeout T shorter, the
//                      middleware reports the timeout at T (Vapor's handler task goes on: no 503)
// Run: swift run --traits Vapor,AsyncHTTPClient sentry-example-vapor --port 8080
#if Vapor && AsyncHTTPClient
import AsyncHTTPClient
import Sentry
import SentryAsyncHTTPClient
import SentryExampleSupport
import SentryVapor
import Vapor

let name = "sentry-example-vapor"
let configuration = ExampleServerConfiguration(name: name)
configuration.startSentry(name: name)

// Vapor reads its own command line; ours (--port ...) was read above, so it gets `serve` alone.
var environment = Environment(name: "production", arguments: [name, "serve"])
try LoggingSystem.bootstrap(from: &environment)
let app = try await Application.make(environment)
app.http.server.configuration.hostname = configuration.host
app.http.server.configuration.port = configuration.port
// After Vapor's ErrorMiddleware (added by default), so thrown errors reach it first.
if configuration.sentryEnabled { app.middleware.use(SentryMiddleware(timeout: configuration.requestTimeout)) }

app.get("hello", ":name") { request async throws -> String in
    "hello \(request.parameters.get("name") ?? "")"
}
app.get("fail", ":id") { request async throws -> String in
    let id = request.parameters.get("id") ?? ""
    SentrySDK.configureScope { $0.setTag("example.id", id) }
    SentrySDK.addBreadcrumb(Breadcrumb(message: "handling \(id)", category: "example"))
    await Task.yield()  // let other requests interleave: their scopes must not mix
    throw ExampleFailure(id: id)
}
app.get("slow", ":seconds") { request async throws -> String in
    guard let seconds = request.parameters.get("seconds", as: Int.self) else { throw Abort(.badRequest) }
    try await Task.sleep(for: .seconds(seconds))
    return "slept \(seconds)"
}
app.get("call") { request async throws -> Response in
    guard let url = request.query[String.self, at: "url"] else { throw Abort(.badRequest, reason: "url is missing") }
    let response = try await HTTPClient.shared.executeWithSentry(HTTPClientRequest(url: url), timeout: .seconds(10))
    return Response(
        status: .init(statusCode: Int(response.status.code)), body: .init(string: "\(response.status.code)\n"))
}

// `serve` runs until SIGTERM or SIGINT; then the SDK sends what it holds.
do {
    try await app.execute()
} catch {
    app.logger.report(error: error)
}
configuration.stopSentry()
try await app.asyncShutdown()
#else
print(
    "sentry-example-vapor needs the Vapor and AsyncHTTPClient traits: swift run --traits Vapor,AsyncHTTPClient sentry-example-vapor"
)
#endif
