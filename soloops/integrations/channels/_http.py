"""The catch-up poll's GET of a channel's REST API (outside any transaction)."""

import json
import urllib.request

TIMEOUT = 20


def get_json(url: str, headers: dict[str, str]):
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        return json.loads(response.read())
