"""The Python side of scripts/bench-frameworks.sh: a Starlette hello route served by uvicorn,
with sentry-sdk 2.75.0's ASGI integration (auto-enabled for Starlette) or without the SDK.

Usage: starlette_hello.py PORT MODE     MODE: none | off (SDK, no tracing) | traced (traces_sample_rate=1.0)
The DSN comes from SENTRY_DSN (the same local sink the Swift servers send to).
"""
import os
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

port, mode = int(sys.argv[1]), sys.argv[2]
if mode != "none":
    import sentry_sdk

    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        traces_sample_rate=1.0 if mode == "traced" else None,
        release="bench@1",
    )


async def hello(request):
    return PlainTextResponse(f"hello {request.path_params['name']}")


app = Starlette(routes=[Route("/hello/{name}", hello)])
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
