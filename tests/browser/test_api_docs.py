"""/api/docs renders Swagger UI with no network beyond this server (it used to load from a CDN
and was a blank page offline)."""

from urllib.parse import urlparse

import pytest

from tests.browser.conftest import PHONE, screenshot

WIDE = {"width": 1366, "height": 900}


@pytest.mark.parametrize(
    ("viewport", "locale", "name"),
    [
        (WIDE, "en-GB", "api-docs-1366-en"),
        (PHONE, "en-GB", "api-docs-390-en"),
        (WIDE, "zh-CN", "api-docs-1366-zh"),
        (PHONE, "zh-CN", "api-docs-390-zh"),
    ],
)
def test_the_api_docs_render_offline(new_page, viewport, locale, name):
    # given a browser that can reach nothing but this server
    page = new_page(viewport=viewport, locale=locale)
    outside = []

    def only_loopback(route):
        host = urlparse(route.request.url).hostname
        if host in {"127.0.0.1", "localhost"}:
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    page.route("**/*", only_loopback)

    # when
    page.goto("/api/docs")

    # then Swagger UI shows the API's title and every operation, and asked nothing outside
    page.locator(".opblock").first.wait_for()
    assert "SoloOps API" in page.locator(".information-container .title").inner_text()
    assert page.locator(".opblock").count() > 80
    assert page.locator(".opblock-summary-path").first.is_visible()
    assert outside == []
    screenshot(page, name)
