"""Every console page, read in Chinese, has no English left from the message catalogue.

The console's URL patterns are walked (as test_access does), each filled in from a Chinese shop
made through the services as the shop makes it: the default flows installed, orders from the
storefront (one held for the owner, one she accepted), a purchase-order draft, runs. Each page
that answers GET with HTML is read as a person reads it (text, plus the attributes a person sees
or hears: title, placeholder, aria-label, alt, confirmations), leaving out code, the flow editor
and what the shop itself wrote (its names, addresses, numbers). No word of the catalogue's
English source strings may remain, unless the Chinese catalogue itself uses it (SKU, API).
"""

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.automation.models import Flow, FlowRun, StepRun
from soloops.automation.services import flows_install_defaults
from soloops.catalog.services import product_create, variant_create
from soloops.integrations.services.channels import channel_create
from soloops.integrations.services.webhooks import webhook_subscription_create
from soloops.inventory.models import MovementKind
from soloops.inventory.services import stock_change
from soloops.orders.services import LineDraft, OrderDraft, order_accept, order_place
from soloops.purchasing.services import purchase_orders_draft_for_low_stock
from soloops.support.models import Conversation
from soloops.support.services import conversation_open
from tests.dashboard.conftest import client_for
from tests.purchasing.conftest import make_supplier, sells
from tests.test_i18n import read_po

PO_FILE = Path(settings.BASE_DIR) / "soloops" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
STOREFRONT = Actor.system("storefront")
INIT = Actor.system("soloops init")
ADDRESS = {
    "name": "李雷",
    "line1": "长安街 1 号",
    "city": "北京",
    "postal_code": "100000",
    "country": "CN",
}
WORD = re.compile(r"[A-Za-z]{2,}")
# Identifiers are code, not prose: event types (order.on_hold), keys (review-held-orders),
# template names (order_confirmation), time zones (America/New_York), step paths (steps[0]).
IDENTIFIER = re.compile(r"[A-Za-z0-9]+(?:[._/\-\[\]@][A-Za-z0-9\]]+)+")
# Elements whose text is not the console's prose: code, data the owner typed into the flow
# editor, scripts. Attributes a person sees or hears.
SKIPPED = {"code", "pre", "script", "style", "textarea", "kbd", "samp"}
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")


def english_words() -> set[str]:
    """Words of the catalogue's English source strings that its Chinese never uses."""
    source, chinese = set(), set()
    for entry in read_po(PO_FILE):
        if not entry["msgid"] or "date format" in entry.get("msgctxt", ""):
            continue  # the header; Django date patterns ("D j M") are not words
        text = entry["msgid"] + " " + entry.get("msgid_plural", "")
        source |= {w.lower() for w in WORD.findall(re.sub(r"%\(\w+\)[sd]|\{\{.*?\}\}", "", text))}
        for key, value in entry.items():
            if key.startswith("msgstr"):
                chinese |= {w.lower() for w in WORD.findall(value)}
    # Each language names itself in the language list (English, 简体中文).
    return source - chinese - {name.lower() for _code, name in settings.LANGUAGES}


class ReadText(HTMLParser):
    """What a person reads or hears on a page, without code and scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
        if not self.skipping:
            self.parts += [v or "" for k, v in attrs if k in READ_ATTRIBUTES]

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def read(html: str) -> str:
    parser = ReadText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def chinese_shop(transactional_db, run_tasks):
    """A shop as a Chinese owner runs it, with something on every page."""
    owner = user_create(
        username="lihua", email="lihua@example.cn", password="correct horse battery 42",
        role="owner", actor=INIT,
    )  # fmt: skip
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    flows_install_defaults(actor=INIT)
    product = product_create(name="手冲咖啡壶", slug="pour-over", actor=INIT)
    pot = variant_create(product=product, sku="POT-1", price=Decimal("600.00"), actor=INIT)
    stock_change(variant=pot, quantity=100, kind=MovementKind.RECEIPT, actor=INIT)
    supplier = make_supplier("杭州陶瓷厂")
    cup = variant_create(product=product, sku="CUP-1", price=Decimal("20.00"),
                         low_stock_threshold=5,
                         actor=INIT)  # fmt: skip
    stock_change(variant=cup, quantity=1, kind=MovementKind.RECEIPT, actor=INIT)
    sells(supplier, cup, cost="8.00")
    with transaction.atomic():
        (po,) = purchase_orders_draft_for_low_stock(actor=INIT, variant_ids=[cup.pk]).created

    def order(email: str):
        draft = OrderDraft(email=email, name="李雷", language="zh-hans", shipping_address=ADDRESS,
                           lines=[LineDraft(sku="POT-1", quantity=1)])  # fmt: skip
        placed, _ = order_place(draft=draft, channel="storefront", actor=STOREFRONT)
        return placed

    # A webhook to a URL nobody answers: its deliveries fail and fill the log.
    hook = webhook_subscription_create(
        name="记账", url="http://127.0.0.1:9/hook", event_types=["order.*"], actor=INIT
    )
    shop_channel = channel_create(name="淘宝店", kind="woocommerce", actor=INIT)
    held = order("lilei@example.cn")
    accepted = order("hanmeimei@example.cn")
    order_accept(order=accepted, actor=Actor.for_user(owner), note="")
    conversation_open(channel="storefront", email="hanmeimei@example.cn", body="我的订单在哪里",
                      language="zh-hans", actor=STOREFRONT)  # fmt: skip
    run_tasks()
    return {
        "owner": owner,
        "held": held,
        "accepted": accepted,
        "po": po,
        "supplier": supplier,
        "webhook": hook,
        "channel": shop_channel,
    }


def prose_words(text: str) -> list[str]:
    """The words of a text, leaving out identifiers and codes in capitals (EUR, SKU, GET)."""
    return [w for w in WORD.findall(IDENTIFIER.sub(" ", text)) if not w.isupper()]


def english_passages(text: str, english: set[str]) -> list[str]:
    """A little text around the first English words, to show where they are."""
    prose = IDENTIFIER.sub(" ", text)
    found = [m for m in WORD.finditer(prose) if m[0].lower() in english and not m[0].isupper()]
    return [prose[max(0, m.start() - 40) : m.end() + 40] for m in found[:5]]


def shop_texts(shop) -> list[str]:
    """What the shop's own documents and data say, in their own words: the approval questions
    a flow asks (written in its document; the shipped ones' wording is being reworked on its
    own) and the test-only probe actions."""
    from tests.probe.actions import ACTIONS as PROBE_ACTIONS

    texts = [shop["held"].number, shop["accepted"].number]
    for step in StepRun.objects.all():
        texts.append((step.input or {}).get("message", "") if isinstance(step.input, dict) else "")
    for action in PROBE_ACTIONS:
        texts.append(str(action.description))
    # The tests' own system actor (Actor.system("test")), shown as recorded (the audit log
    # lists every event's actor).
    texts.append("系统: test")
    return sorted(filter(None, texts), key=len, reverse=True)  # longest first


def fill(pattern, shop) -> str | None:
    """The pattern's URL for the shop's objects; None when it names an action (a POST)."""
    names = set(pattern.pattern.converters)
    if names & {"action", "verb"} or pattern.name.endswith(("_delete", "_revoke")):
        return None
    values = {
        "number": shop["po"].number
        if pattern.name.startswith("purchase_order")
        else shop["accepted"].number,
        "sku": "POT-1",
        "pk": shop["supplier"].pk,
        "key": Flow.objects.get(trigger_event="order.on_hold").key,
        "run_id": FlowRun.objects.order_by("pk").first().pk,
        "user_id": shop["owner"].pk,
        "webhook_id": shop["webhook"].pk,
        "channel_id": shop["channel"].pk,
        "delivery_id": shop["webhook"].deliveries.order_by("pk").first().pk,
        "customer_id": shop["accepted"].customer_id,
    }
    if not names <= values.keys():
        return None
    return reverse(f"dashboard:{pattern.name}", kwargs={n: values[n] for n in names})


def test_every_console_page_reads_in_chinese_without_english_from_the_catalogue(chinese_shop):
    # given the catalogue's English words and an owner who reads Chinese
    from soloops.dashboard.urls import urlpatterns

    english = english_words()
    client = client_for(chinese_shop["owner"])
    own_words = shop_texts(chinese_shop)

    # when she opens every page the console serves (and both orders)
    pages = [fill(p, chinese_shop) for p in urlpatterns]
    pages += [f"/orders/{chinese_shop['held'].number}/"]
    pages += [f"/runs/{pk}/" for pk in FlowRun.objects.values_list("pk", flat=True)]
    pages += [f"/flows/{key}/" for key in Flow.objects.values_list("key", flat=True)]
    pages += [f"/inbox/{ref}/" for ref in Conversation.objects.values_list("ref", flat=True)]
    found, read_pages = {}, []
    for path in filter(None, pages):
        response = client.get(path)
        if response.status_code == 405 or "html" not in response.get("Content-Type", ""):
            continue  # a form's target, or a PDF
        assert response.status_code == 200, path
        text = read(response.content.decode())
        for own in own_words:
            text = text.replace(" ".join(own.split()), "")
        text = " ".join(text.split())
        read_pages.append(path)
        if words := sorted({w for w in prose_words(text) if w.lower() in english}):
            found[path] = f"{words}\n    in: {english_passages(text, english)}"

    # then every page was read, and none has an English word left
    assert len(english) > 500  # the check is not vacuous
    assert {"/", "/orders/", "/decisions/", "/flows/", "/settings/"} <= set(read_pages)
    assert len(read_pages) >= 20, read_pages
    assert found == {}, "\n".join(f"{path}: {words}" for path, words in found.items())


def test_an_accepted_order_reads_in_chinese_dates_and_actors_included(chinese_shop):
    # given an order from the storefront that the review held and the owner then accepted
    client = client_for(chinese_shop["owner"])
    held, accepted = chinese_shop["held"], chinese_shop["accepted"]

    # when she opens it, and the one still held
    page = read(client.get(f"/orders/{accepted.number}/").content.decode())
    waiting = read(client.get(f"/orders/{held.number}/").content.decode())

    # then the storefront and the flows that acted are named in Chinese, the review says it
    # was decided, and every date reads the one Chinese way
    assert "系统: 网店" in page
    assert "storefront" not in page
    assert "发送订单确认邮件 · 第" in page  # the confirmation flow's run, by its Chinese name
    assert "审核结果：暂缓；已处理，当前状态：已接受" in page  # noqa: RUF001
    assert "等你决定" not in page
    assert "审核结果：暂缓，等你决定" in waiting  # noqa: RUF001
    assert re.search(r"下单于 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", page)
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|[ap]\.m\.", page)


def test_run_errors_and_default_flow_reasons_read_in_chinese(chinese_shop, run_tasks):
    # given a flow whose step is refused (accepting an order that is already accepted), and
    # the held order rejected with the review flow's reason
    from soloops.automation.services import flow_import, flow_run_start_manual
    from soloops.orders.services import order_reject

    accepted, held = chinese_shop["accepted"], chinese_shop["held"]
    source = (
        "name: Accept again\ntrigger: {manual: true}\nsteps:\n"
        f'  - do: order.accept\n    with: {{order: "{accepted.number}"}}\n'
    )
    flow = flow_import(source=source, key="accept-again", actor=INIT)
    run = flow_run_start_manual(flow=flow, inputs={}, actor=INIT)
    run_tasks()
    order_reject(order=held, actor=INIT, reason="Rejected after review")
    client = client_for(chinese_shop["owner"])

    # when she opens the run, the failed runs and the rejected order
    run_page = read(client.get(f"/runs/{run.pk}/").content.decode())
    failed = read(client.get("/flows/runs/?status=failed").content.decode())
    order_page = read(client.get(f"/orders/{held.number}/").content.decode())

    # then the error is said in Chinese from its code and params, not the stored English
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error.startswith("illegal_transition: order ")  # the API keeps the English
    assert "它当前为已接受，不能变为已接受。" in run_page  # noqa: RUF001
    assert "cannot become" not in run_page
    assert "它当前为已接受" in failed
    assert "审核后拒绝" in order_page
    assert "Rejected after review" not in order_page
