import Sentry

SentrySDK.start(options: SentryOptions(dsn: "https://public@127.0.0.1:1/1"))
SentrySDK.close()
