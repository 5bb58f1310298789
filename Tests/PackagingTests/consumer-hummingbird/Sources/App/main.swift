import Hummingbird
import Sentry
import SentryHummingbird

let router = Router()
router.add(middleware: SentryMiddleware())
router.get("/hello") { _, _ in "hello" }
_ = Application(router: router)
