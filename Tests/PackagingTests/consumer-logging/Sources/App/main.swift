import Logging
import Sentry
import SentryLogging

SentrySDK.start(options: SentryOptions(dsn: "https://public@127.0.0.1:1/1"))
LoggingSystem.bootstrap { SentryLogHandler(label: $0) }
Logger(label: "consumer").info("started")
SentrySDK.close()
