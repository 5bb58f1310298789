// sentry-example-hummingbird: a Hummingbird 2 server with SentryMiddleware and AsyncHTTPClient
// spans. Its routes are a contract the tests rely on (Examples/README.md):
//   GET /hello/:name   200 "hello NAME"
//   GET /fail/:id      tags example.id, adds a breadcrumb, throws: 500, an unhandled error event
//   GET /call?url=U    fetches U with AsyncHTTPClient in the request's transaction; answers its status
//   GET /slow/:seconds sleeps that long (cancellably), then "slept N"; with --request-timeout T
//                      shorter, the middleware answers 503 at T and reports the timeout
// Run: swift run --traits Hummingbird,AsyncHTTPClient sentry-example-hummingbird --port 8080
#if Hummingbird && AsyncHTTPClient
import AsyncHTTPClient
import Hummingbird
import Sentry
import SentryAsyncHTTPClient
import SentryExampleSupport
import SentryHummingbird

let name = "sentry-example-hummingbird"
let configuration = ExampleServerConfiguration(name: name)
configuration.startSentry(name: name)

let router = Router()
if configuration.sentryEnabled { router.add(middleware: SentryMiddleware(timeout: configuration.requestTimeout)) }
router.get("/hello/:name") { _, context in
    "hello \(try context.parameters.require("name"))"
}
router.get("/fail/:id") { _, context -> String in
    let id = try context.parameters.require("id")
    SentrySDK.configureScope { $0.setTag("example.id", id) }
    SentrySDK.addBreadcrumb(Breadcrumb(message: "handling \(id)", category: "example"))
    await Task.yield()  // let other requests interleave: their scopes must not mix
    throw ExampleFailure(id: id)
}
router.get("/slow/:seconds") { _, context -> String in
    let seconds = try context.parameters.require("seconds", as: Int.self)
    try await Task.sleep(for: .seconds(seconds))
    return "slept \(seconds)"
}
router.get("/call") { request, _ -> Response in
    guard let url = request.uri.queryParameters["url"].map(String.init) else {
        throw HTTPError(.badRequest, message: "url is missing")
    }
    let response = try await HTTPClient.shared.executeWithSentry(HTTPClientRequest(url: url), timeout: .seconds(10))
    return Response(
        status: .init(code: Int(response.status.code)),
        body: .init(byteBuffer: .init(string: "\(response.status.code)\n")))
}

let app = Application(
    router: router,
    configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: name))
// runService answers SIGTERM and SIGINT with a graceful shutdown (swift-service-lifecycle);
// then the SDK sends what it holds.
try await app.runService()
configuration.stopSentry()
#else
print(
    "sentry-example-hummingbird needs the Hummingbird and AsyncHTTPClient traits: swift run --traits Hummingbird,AsyncHTTPClient sentry-example-hummingbird"
)
#endif
