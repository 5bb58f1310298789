import Sentry
import SentryTracing
import Tracing

var options = SentryOptions(dsn: "https://public@127.0.0.1:1/1")
options.tracesSampleRate = 1
SentrySDK.start(options: options)
InstrumentationSystem.bootstrap(SentryTracer())
withSpan("consumer") { span in span.attributes["started"] = true }
SentrySDK.close()
