"""One POST of a webhook body, outside any transaction: what came back, never an exception."""

import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from .signing import HEADER, sign

EXCERPT = 500  # characters of the receiver's answer kept in the attempt log


@dataclass(frozen=True)
class Outcome:
    ok: bool  # 2xx
    status_code: int | None  # None: no answer (refused, timeout, DNS)
    latency_ms: int
    excerpt: str
    error: str


def post(*, url: str, body: bytes, secret: str, headers: dict[str, str], timeout: float) -> Outcome:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
    for name, value in headers.items():
        request.add_header(name, value)
    request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", "SoloOps-Webhooks")
    request.add_header(HEADER, sign(secret=secret, body=body, timestamp=int(time.time())))
    started = time.monotonic()
    status, raw, error = None, b"", ""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read(EXCERPT * 4)
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read(EXCERPT * 4)
        error = f"answered {e.code}"
    except TimeoutError:
        error = f"no answer within {timeout:g} s"
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        error = (
            f"timed out after {timeout:g} s" if isinstance(reason, TimeoutError) else str(reason)
        )
    latency = int((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    return Outcome(ok, status, latency, raw.decode(errors="replace")[:EXCERPT], error[:1000])
