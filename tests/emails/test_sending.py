"""Sending through a real SMTP server: once per email, retried with backoff, recognizable."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from soloops.accounts.actors import Actor
from soloops.automation.services import flow_import
from soloops.emails.models import EmailSend, SendStatus
from soloops.emails.services import (
    MAX_SEND_ATTEMPTS,
    email_send,
    emails_retry_due,
    message_id_for,
    retry_delay,
    send_lease,
)
from soloops.emails.tasks import send_email
from soloops.events.models import Delivery, Event
from soloops.events.tasks import dispatch_events
from tests.conftest import run_ready_tasks
from tests.emails.conftest import event_types, queue


def email_tasks():
    """Ready send tasks (other apps' handlers queue tasks of their own for every event)."""
    return DBTaskResult.objects.filter(status="READY", task_path=send_email.module_path)


def ready_tasks() -> int:
    return email_tasks().count()


def test_an_email_reaches_the_server_once_however_often_it_is_queued_or_run(
    transactional_db, run_tasks, smtp
):
    # given an email queued twice with one key, and its task enqueued once more by hand
    first = queue(idempotency_key="notify:42")
    second = queue(idempotency_key="notify:42")
    send_email.enqueue(send_id=first.pk)

    # when every task runs, and then the task body runs once more
    run_tasks()
    again = email_send(send_id=first.pk)

    # then one row, one message on the server, one sent event
    assert second.pk == first.pk
    assert EmailSend.objects.count() == 1
    assert len(smtp.messages) == 1
    assert again is None
    sent = EmailSend.objects.get()
    assert sent.status == SendStatus.SENT
    assert sent.attempts == 1
    assert sent.sent_at is not None
    assert event_types() == ["email.queued", "email.sent"]


QUEUED_FLOW = """\
name: On every queued email
trigger: {event: email.queued}
steps:
  - wait: 1d
"""


def test_a_send_runs_before_the_dispatch_queued_ahead_of_it(transactional_db, smtp):
    # given a flow that starts on email.queued, and an email queued: its email.queued event's
    # dispatch enqueued on commit before it
    flow_import(source=QUEUED_FLOW, actor=Actor.system("test"))
    DBTaskResult.objects.all().delete()  # the flow's own publishing work
    queue(idempotency_key="notify:7")
    (dispatch,) = DBTaskResult.objects.filter(status="READY", task_path=dispatch_events.module_path)
    assert ready_tasks() == 1

    # when the worker runs one task
    run_ready_tasks(max_tasks=1)

    # then it was the send: the email is at the server, the dispatch still waits
    assert len(smtp.messages) == 1
    assert ready_tasks() == 0
    dispatch.refresh_from_db()
    assert dispatch.status == "READY"


def test_the_send_task_dispatches_its_email_sent_itself(transactional_db, smtp):
    # given an email queued, its email.queued event already dispatched
    queue(idempotency_key="notify:8")
    DBTaskResult.objects.filter(task_path=dispatch_events.module_path).delete()
    dispatch_events.call(event_ids=list(Event.objects.values_list("pk", flat=True)))

    # when the worker runs its one task, the send
    run_ready_tasks(max_tasks=1)

    # then the email is at the server, its email.sent was dispatched in that task (the daily
    # count of sent emails handled it), and no dispatch task was queued for it
    assert len(smtp.messages) == 1
    sent = Event.objects.get(type="email.sent")
    assert sent.dispatched_at is not None
    assert "soloops.analytics.events.facts_on_counted_event" in set(
        Delivery.objects.filter(event=sent).values_list("handler", flat=True)
    )
    queued = DBTaskResult.objects.filter(status="READY", task_path=dispatch_events.module_path)
    assert not queued.exists()


def test_the_message_carries_a_stable_message_id_and_no_unsubscribe_for_transactional_mail(
    transactional_db, run_tasks, smtp
):
    # given
    send = queue(to="Ada@Example.com", idempotency_key="notify:headers")

    # when
    run_tasks()

    # then
    (message,) = smtp.messages
    assert message["Message-ID"] == message_id_for("notify:headers")
    assert message["Message-ID"] == message_id_for("notify:headers")  # a pure function of the key
    assert message["Message-ID"].endswith("@localhost>")  # the domain of SOLOOPS_FROM_EMAIL
    assert message["Message-ID"] != message_id_for("notify:other")
    assert "List-Unsubscribe" not in message
    assert "List-Unsubscribe-Post" not in message
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "[My Shop] Stock is low"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "MUG-1 has 2 left." in text
    assert "MUG-1 has 2 left." in html
    send.refresh_from_db()
    assert send.message_id == message["Message-ID"]


def test_a_worker_lost_after_the_server_accepted_sends_again_with_the_same_message_id(
    transactional_db, run_tasks, smtp, monkeypatch
):
    # given a worker that dies after the server took the email, before recording it as sent
    from soloops.emails.services import sending

    send = queue(idempotency_key="notify:crash")

    def crash(send_id):
        raise SystemExit("worker killed")

    monkeypatch.setattr(sending, "_record_sent", crash)
    with pytest.raises(SystemExit):
        email_send(send_id=send.pk)
    monkeypatch.undo()
    send.refresh_from_db()
    assert send.status == SendStatus.SENDING

    # when its claim has expired and the scheduler's safety net runs, then the worker
    later = timezone.now() + send_lease() + timedelta(seconds=settings.RELAY_DELAY_SECONDS + 1)
    assert emails_retry_due(now=later) == 1
    run_tasks()

    # then the server holds two copies, which say they are the same email
    first, second = smtp.messages
    assert first["Message-ID"] == second["Message-ID"] == message_id_for("notify:crash")
    send.refresh_from_db()
    assert send.status == SendStatus.SENT
    assert send.attempts == 2


def test_a_claim_held_by_a_killed_worker_lasts_the_configured_lease(
    transactional_db, smtp, monkeypatch, settings
):
    # given a 20-second lease and a worker killed after the server took the email
    from soloops.emails.services import sending

    settings.EMAIL_SEND_LEASE_SECONDS = 20
    send = queue(idempotency_key="notify:lease")

    def crash(send_id):
        raise SystemExit("worker killed")

    monkeypatch.setattr(sending, "_record_sent", crash)
    before = timezone.now()
    with pytest.raises(SystemExit):
        email_send(send_id=send.pk)
    monkeypatch.undo()

    # then the claim runs out after the lease, not after a fixed five minutes
    send.refresh_from_db()
    assert send.status == SendStatus.SENDING
    lease = timedelta(seconds=20)
    assert before + lease <= send.next_attempt_at <= timezone.now() + lease
    relay = timedelta(seconds=settings.RELAY_DELAY_SECONDS)
    assert emails_retry_due(now=send.next_attempt_at + relay - timedelta(seconds=1)) == 0
    assert emails_retry_due(now=send.next_attempt_at + relay + timedelta(seconds=1)) == 1
    send.refresh_from_db()
    assert (send.status, send.last_error) == (SendStatus.FAILED, sending.ABANDONED)


def test_a_server_that_is_down_fails_the_send_with_backoff_and_the_retry_sends_it(
    transactional_db, run_tasks, smtp
):
    # given the mail server is down
    smtp.stop()
    send = queue(idempotency_key="notify:down")

    # when the send task runs
    before = timezone.now()
    run_tasks()

    # then the send failed visibly, and its retry waits as a deferred task
    send.refresh_from_db()
    assert send.status == SendStatus.FAILED
    assert send.attempts == 1
    assert "ConnectionRefused" in send.last_error
    assert before + retry_delay(1) <= send.next_attempt_at <= timezone.now() + retry_delay(1)
    retry = email_tasks().get()
    assert retry.run_after == send.next_attempt_at
    assert event_types() == ["email.queued", "email.failed"]

    # when the server is back and the retry falls due
    smtp.start()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_tasks()

    # then the email went through, once
    assert len(smtp.messages) == 1
    send.refresh_from_db()
    assert send.status == SendStatus.SENT
    assert send.attempts == 2
    assert send.last_error == ""
    assert send.next_attempt_at is None
    assert event_types() == ["email.queued", "email.failed", "email.sent"]


def test_backoff_doubles_and_the_send_gives_up_after_the_last_attempt(transactional_db, smtp):
    # given the server is down for good
    smtp.stop()
    send = queue(idempotency_key="notify:never")

    # when every attempt runs
    delays = []
    for _ in range(MAX_SEND_ATTEMPTS):
        started = timezone.now()
        result = email_send(send_id=send.pk)
        if result.next_attempt_at:
            delays.append(round((result.next_attempt_at - started).total_seconds() / 60))

    # then the waits doubled up to an hour, and then it gave up, visibly
    assert delays == [1, 2, 4, 8, 16, 32, 60]
    send.refresh_from_db()
    assert send.status == SendStatus.GAVE_UP
    assert send.attempts == MAX_SEND_ATTEMPTS
    assert send.next_attempt_at is None
    assert event_types()[-1] == "email.gave_up"
    assert event_types().count("email.failed") == MAX_SEND_ATTEMPTS - 1
    assert email_send(send_id=send.pk) is None  # given up means no more attempts
    assert EmailSend.objects.get().attempts == MAX_SEND_ATTEMPTS


def test_a_temporary_refusal_is_retried_and_a_permanent_one_is_not(transactional_db, smtp):
    # given a server that answers "try later", then one that says "no such mailbox"
    temporary = queue(idempotency_key="notify:451")
    permanent = queue(idempotency_key="notify:550")

    # when
    smtp.handler.reply = "451 4.3.0 Try again later"
    email_send(send_id=temporary.pk)
    smtp.handler.reply = "550 5.1.1 No such mailbox"
    email_send(send_id=permanent.pk)

    # then
    temporary.refresh_from_db()
    permanent.refresh_from_db()
    assert temporary.status == SendStatus.FAILED
    assert temporary.next_attempt_at is not None
    assert permanent.status == SendStatus.GAVE_UP
    assert permanent.attempts == 1
    assert "No such mailbox" in permanent.last_error


def test_an_attachment_reaches_the_server_byte_for_byte_on_a_retry_too(
    transactional_db, run_tasks, smtp
):
    # given a purchase order with a PDF, whose first attempt fails
    pdf = b"%PDF-1.4\n" + bytes(range(256)) + b"\n%%EOF\n"
    smtp.stop()
    send = queue(
        to="orders@harbour-ceramics.example",
        template="purchase_order",
        context={
            "supplier": {"name": "Harbour Ceramics"},
            "purchase_order": {"number": "PO-7", "currency": "EUR", "total": "60.00", "lines": []},
        },
        idempotency_key="purchase_order:7",
        subject=("inventory.purchaseorder", "7"),
        attachments=[("PO-7.pdf", pdf, "application/pdf")],
    )
    run_tasks()

    # when the server is back and the retry runs
    smtp.start()
    email_send(send_id=send.pk)

    # then
    (message,) = smtp.messages
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "PO-7.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf
    assert message["Subject"] == "Purchase order PO-7 from My Shop"


def test_the_safety_net_requeues_a_send_whose_task_was_lost_and_backs_off(
    transactional_db, run_tasks, smtp, monkeypatch
):
    # given a send whose task never reached the queue (the broker was down at commit)
    from soloops.emails.services import queueing

    monkeypatch.setattr(queueing, "_enqueue_send", lambda *a, **k: None)
    send = queue(idempotency_key="notify:lost")
    monkeypatch.undo()
    assert ready_tasks() == 0
    grace = timedelta(seconds=settings.RELAY_DELAY_SECONDS)

    # when the scheduler ticks before the grace has passed, then after it, then at once again
    assert emails_retry_due(now=send.next_attempt_at + grace / 2) == 0
    later = send.next_attempt_at + grace
    assert emails_retry_due(now=later) == 1
    assert emails_retry_due(now=later + grace / 2) == 0  # backed off: no pile of tasks

    # then its one new task sends it
    assert ready_tasks() == 1
    run_tasks()
    assert len(smtp.messages) == 1
    send.refresh_from_db()
    assert send.status == SendStatus.SENT
    assert send.relays == 1
    assert emails_retry_due(now=later + timedelta(hours=2)) == 0  # sent is never requeued
