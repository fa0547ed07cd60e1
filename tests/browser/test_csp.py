"""The Content-Security-Policy holds and breaks nothing: the owner walks the console (charts,
flow diagrams, a token shown once with its Copy button), the API docs, the admin and the
storefront with the policy enforced, and the browser reports no violation."""

import pytest
from playwright.sync_api import expect

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from tests.browser.conftest import log_in
from tests.dashboard.builders import held_order
from tests.factories import make_variant

PASSWORD = "correct horse battery staple 42"

PAGES = [
    "/",
    "/orders/",
    "/decisions/",
    "/products/",
    "/purchase-orders/",
    "/suppliers/",
    "/customers/",
    "/inbox/",
    "/insights/",
    "/data/",
    "/alerts/",
    "/settings/",
    "/settings/tokens/",
    "/settings/webhooks/",
    "/settings/email/",
    "/flows/",
    "/flows/runs/",
    "/api/docs",
    "/admin/",
    "/shop/",
]


@pytest.fixture
def violations(page):
    """Every CSP violation the browser reports (Chrome says each on the console)."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_the_console_api_docs_admin_and_shop_run_under_the_policy(page, violations, default_flows):
    # given an owner, a product and a held order
    user_create(
        username="olivia",
        email="olivia@example.com",
        password=PASSWORD,
        role="owner",
        actor=Actor.system("test"),
    )
    make_variant("MUG-1", stock=5)
    held_order()

    # when she logs in and opens every section, a flow's diagram included
    log_in(page, "olivia", PASSWORD)
    for path in [*PAGES, f"/flows/{default_flows[0]}/"]:
        response = page.goto(path)
        page.wait_for_load_state("networkidle")

        # then each page answers under the policy
        assert response.status < 400, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path

    # then nothing was refused
    assert violations == []

    # when a script is slipped into the page inline (as an injection would)
    page.goto("/")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text) as refused:
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.injected = 1'; document.body.append(s); }"
        )

    # then it does not run, and the browser says why
    assert page.evaluate("window.injected") is None
    assert "script-src" in refused.value.text


def test_copying_a_new_token_works_without_an_inline_script(page, violations):
    # given an owner on the page of a token just issued
    user_create(
        username="olivia",
        email="olivia@example.com",
        password=PASSWORD,
        role="owner",
        actor=Actor.system("test"),
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, "olivia", PASSWORD)
    page.goto("/settings/tokens/")
    page.get_by_label("Name").fill("laptop")
    page.get_by_role("button", name="Create token").click()

    # when she presses Copy
    page.get_by_role("button", name="Copy").click()

    # then the page says so, the secret is on the clipboard, and nothing was refused
    expect(page.locator("#copy-done")).to_have_text("Copied.")  # waits for the script
    secret = page.locator("#token-secret").input_value()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert violations == []
