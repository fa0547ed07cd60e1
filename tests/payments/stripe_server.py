"""A small stand-in for Stripe's API on 127.0.0.1, spoken to over real HTTP by the official
library (``STRIPE_API_BASE`` points at it), so another process (a worker) can use it too.

It knows the two calls SoloOps makes here, PaymentIntent and Refund creation, and keeps
Stripe's idempotency rules: a request repeating a key answers the first one's saved response
and acts no more; the same key with other parameters is a 400 ``idempotency_error``; a repeat
that arrives while the first request with its key is still running is a 409
``idempotency_error``. While ``hold_refunds`` is set, the first refund request is acted on
(the refund exists at "Stripe") and then kept waiting until ``release`` is set.
"""

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


class StripeServer:
    def __init__(self) -> None:
        self.refunds: list[dict] = []  # every refund made, as Stripe keeps them
        self.intents: list[dict] = []
        self.requests: list[dict] = []  # every request that arrived: path and key
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.hold_refunds = False
        self._saved: dict[str, tuple[dict, int, dict] | None] = {}  # key → params, answer
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        stripe = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode()))
                key = self.headers.get("Idempotency-Key") or ""
                status, body = stripe.answer(self.path, params, key)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Request-Id", f"req_fake_{next(stripe._ids)}")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the caller died while we held its request

            def log_message(self, *args) -> None:
                pass

        return Handler

    def answer(self, path: str, params: dict, key: str) -> tuple[int, dict]:
        with self._lock:
            self.requests.append({"path": path, "key": key})
            if key in self._saved:
                return self._replay(key, params)
            if key:
                self._saved[key] = None  # running
            if path == "/v1/payment_intents":
                status, body = 200, self._intent(params)
            elif path == "/v1/refunds":
                status, body = 200, self._refund(params)
            else:
                status, body = 404, error("invalid_request_error", f"no route {path}")
            hold = path == "/v1/refunds" and self.hold_refunds and len(self.refunds) == 1
        if hold:
            self.arrived.set()
            self.release.wait(timeout=60)
        if key:
            with self._lock:
                self._saved[key] = (params, status, body)
        return status, body

    def _replay(self, key: str, params: dict) -> tuple[int, dict]:
        saved = self._saved[key]
        if saved is None:
            return 409, error("idempotency_error", "a request with this key is in progress")
        first_params, status, body = saved
        if first_params != params:
            return 400, error("idempotency_error", "this key was used with other parameters")
        return status, body

    def _intent(self, params: dict) -> dict:
        intent = {
            "id": f"pi_fake_{next(self._ids)}",
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "status": "requires_payment_method",
            "client_secret": "pi_fake_secret",
            "metadata": metadata(params),
            "last_payment_error": None,
        }
        self.intents.append(intent)
        return intent

    def _refund(self, params: dict) -> dict:
        refund = {
            "id": f"re_fake_{next(self._ids)}",
            "object": "refund",
            "amount": int(params["amount"]),
            "payment_intent": params["payment_intent"],
            "status": "succeeded",
            "metadata": metadata(params),
        }
        self.refunds.append(refund)
        return refund


def metadata(params: dict) -> dict:
    return {k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")}


def error(type: str, message: str) -> dict:
    return {"error": {"type": type, "message": message}}
