"""A campaign sent by a real worker process to a real SMTP server: the worker is killed in the
middle of an SMTP conversation, halfway through the audience; a new worker and the scheduler
finish the campaign, and each customer gets the email exactly once."""

import asyncio
import signal
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from soloops.customers.services import segment_save
from soloops.emails.models import EmailSend, SendStatus
from soloops.marketing.models import Campaign, CampaignStatus
from soloops.marketing.services import campaign_create, campaign_schedule
from tests.conftest import wait_until
from tests.emails.conftest import SmtpServer
from tests.marketing.conftest import SYSTEM, customer

pytestmark = pytest.mark.processes

AUDIENCE = 7
HOLD_AT = 3  # the sink accepts this many, then holds the next conversation open


class HoldingCollector:
    """Accepts ``HOLD_AT`` messages, then keeps the next DATA waiting (the worker is killed
    while it waits); once released it answers 451, as a server that lost a client does."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.holding = False
        self.hold = True

    async def handle_DATA(self, server, session, envelope):
        if self.hold and len(self.received) >= HOLD_AT:
            self.holding = True
            while self.hold:
                await asyncio.sleep(0.05)  # polls for the test's release; times nothing
            return "451 Requested action aborted: connection lost"
        self.received.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture
def sink():
    server = SmtpServer()
    server.handler = HoldingCollector()
    server.controller = Controller(server.handler, hostname="127.0.0.1", port=server.port)
    server.controller.start()
    yield server
    server.handler.hold = False
    server.stop()


def test_a_campaign_killed_mid_send_and_resumed_reaches_each_customer_once(
    processes, sink, settings
):
    # given seven consenting customers in a segment and a campaign to them, sent two at a time
    with transaction.atomic():
        segment_save(key="all", name="All", rules={"max_spent": "1000"}, actor=SYSTEM)
    for i in range(AUDIENCE):
        customer(f"c{i}@example.com", name=f"C{i}", language="zh-hans" if i % 2 else "en")
    with transaction.atomic():
        campaign = campaign_create(
            actor=SYSTEM, name="Autumn", segment="all", subject_en="Autumn", body_en="New mugs",
            subject_zh="秋天", body_zh="新杯子", link_url="https://shop.example.com/p/",
        )  # fmt: skip
    env = {
        "SOLOOPS_TEST_EMAIL_URL": f"smtp://127.0.0.1:{sink.port}?timeout=60",
        "SOLOOPS_SITE_URL": "https://shop.example.com",
        "SOLOOPS_MARKETING_BATCH_SIZE": "2",
        "SOLOOPS_MARKETING_BATCH_SECONDS": "2",
        "SOLOOPS_EMAIL_SEND_LEASE": "2",
        "SOLOOPS_RELAY_DELAY": "0.5",
    }
    with transaction.atomic():
        campaign_schedule(campaign=campaign, actor=SYSTEM)

    # when a worker sends it and is killed (SIGKILL) in the middle of the fourth conversation
    worker = processes.start("worker", env=env)
    wait_until(lambda: sink.handler.holding, timeout=120, what=lambda: processes.log(worker))
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert len(sink.handler.received) == HOLD_AT
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENDING
    sink.handler.hold = False

    # and a new worker and the scheduler take over
    processes.start("worker", env=env)
    processes.start("scheduler", env=env)

    # then the campaign finishes and every customer got it exactly once, in their language
    def done() -> bool:
        finished = Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT
        sends = EmailSend.objects.filter(subject_type="marketing.campaign")
        return finished and sends.filter(status=SendStatus.SENT).count() == AUDIENCE

    wait_until(done, timeout=180, what="the campaign to be sent to everyone")
    messages = sink.messages
    recipients = Counter(m["To"] for m in messages)
    assert recipients == {f"c{i}@example.com": 1 for i in range(AUDIENCE)}
    subjects = {m["To"]: m["Subject"] for m in messages}
    assert subjects["c0@example.com"] == "Autumn" and subjects["c1@example.com"] == "秋天"
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in messages)
