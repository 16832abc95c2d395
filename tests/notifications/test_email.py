"""Notification emails: the kind, the case reference and a link, never a child's details;
each notification emailed once; a mail server failure loses nothing (at least once)."""

import datetime as dt
from smtplib import SMTPException

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from cases.models import Child
from notifications.email import send_batch, send_pending
from notifications.models import Notification
from notifications.reminders import scan_actions, scan_reviews, weekly_digest
from notifications.services import notify
from tests.conftest import child_details, child_details_in
from tests.factories import ChildFactory, UserFactory, coordinator
from tests.notifications.conftest import at
from tests.notifications.data import action_due, review_due

pytestmark = pytest.mark.django_db


def test_an_email_says_the_kind_the_case_reference_and_a_link_and_nothing_else(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    case = team.case()
    review_due(case, dt.date(2026, 5, 6))
    scan_reviews()

    send_pending()

    reminders = [m for m in mail.outbox if "Review" in m.subject]
    assert sorted(m.to[0] for m in reminders) == sorted([team.coordinator.email, team.lead.email])
    message = reminders[0]
    assert message.subject == f"Safeguard Panel: Review due soon for {case.reference}"
    assert f"{settings.SITE_URL}/cases/{case.pk}/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    lines = [line for line in message.body.splitlines() if line.strip()]
    assert lines[0] == f"Review due soon for {case.reference}."


def test_emails_from_scans_over_seeded_data_never_carry_a_childs_details(team, time_machine):
    time_machine.move_to(at(2026, 5, 4, 7), tick=False)
    for due in (dt.date(2026, 5, 5), dt.date(2026, 4, 1)):
        case = team.case()
        Child.objects.filter(pk=case.child_id).update(known_as=f"Knownas-{case.pk:04d}")
        review_due(case, due)
        action_due(case, due, agency=team.agency, owner=team.owner)
    scan_reviews(), scan_actions(), weekly_digest()

    send_pending()

    kinds = {m.subject.split(":")[1].split(" for ")[0].strip() for m in mail.outbox}
    assert kinds >= {
        "Review due soon",
        "Review overdue",
        "Action due soon",
        "Action overdue",
        "Weekly digest",
    }
    for child in Child.objects.all():
        details = [child.first_name, child.last_name, child.known_as]
        details += [child.date_of_birth.isoformat(), child.date_of_birth.strftime("%d/%m/%Y")]
        for message in mail.outbox:
            for detail in details:
                assert detail.casefold() not in f"{message.subject}\n{message.body}".casefold()


def test_each_notification_is_emailed_once(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    review_due(team.case(), dt.date(2026, 5, 6))
    scan_reviews()

    first = send_pending()
    second = send_pending()

    assert first == len(mail.outbox) > 0
    assert second == 0
    assert not Notification.objects.filter(emailed_at__isnull=True, recipient__is_active=True)


def test_no_email_to_an_inactive_account_or_one_without_an_address(db):
    nowhere, gone = UserFactory(email=""), UserFactory(is_active=False)
    notify(recipients=[nowhere, gone], kind="new_referral", link="/triage/1/", about="referral:1")

    assert send_pending() == 0
    assert mail.outbox == []


def test_notifications_older_than_three_days_are_not_emailed(db, time_machine):
    user = coordinator()
    time_machine.move_to(at(2026, 5, 1), tick=False)
    notify(recipients=[user], kind="new_referral", link="/triage/1/", about="referral:1")
    time_machine.move_to(at(2026, 5, 4, 13), tick=False)
    notify(recipients=[user], kind="new_referral", link="/triage/2/", about="referral:2")

    send_pending()

    assert [m.body.count("/triage/2/") for m in mail.outbox] == [1]


def test_an_email_without_a_case_names_only_the_kind(db):
    user = coordinator()
    notify(recipients=[user], kind="new_referral", link="/triage/7/", about="referral:7")

    send_pending()

    (message,) = mail.outbox
    assert message.subject == "Safeguard Panel: New referral to triage"
    assert f"{settings.SITE_URL}/triage/7/" in message.body


def test_the_weekly_digest_email_gives_counts_and_links_only(team, time_machine):
    time_machine.move_to(at(2026, 5, 4, 7), tick=False)
    case = team.case()
    review_due(case, dt.date(2026, 4, 27))
    weekly_digest()

    send_pending()

    (digest,) = [m for m in mail.outbox if "Weekly digest" in m.subject]
    assert digest.subject == "Safeguard Panel: Weekly digest"
    assert "Reviews overdue: 1" in digest.body
    assert "Cases awaiting panel or open: 1" in digest.body
    assert f"{settings.SITE_URL}/cases/" in digest.body
    assert f"{settings.SITE_URL}/triage/" in digest.body
    assert case.reference not in digest.body


class MailServerFailsAfterOne(BaseEmailBackend):
    """Accepts one message, then fails as a mail server going away would."""

    accepted: list = []

    def send_messages(self, messages):
        if self.accepted:
            raise SMTPException("451 try again later")
        self.accepted.extend(messages)
        return len(messages)


def test_a_mail_server_failure_part_way_marks_what_was_sent_and_the_rest_goes_later(db, settings):
    users = [coordinator() for _ in range(3)]
    notify(recipients=users, kind="new_referral", link="/triage/1/", about="referral:1")
    settings.EMAIL_BACKEND = f"{__name__}.MailServerFailsAfterOne"
    MailServerFailsAfterOne.accepted = []

    with pytest.raises(SMTPException):
        send_batch()

    assert Notification.objects.filter(emailed_at__isnull=False).count() == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_pending() == 2
    emailed = [m.to[0] for m in [*MailServerFailsAfterOne.accepted, *mail.outbox]]
    assert sorted(emailed) == sorted(u.email for u in users)


def test_a_failure_before_anything_is_handed_over_leaves_every_row_to_send(db, settings):
    users = [coordinator() for _ in range(2)]
    notify(recipients=users, kind="new_referral", link="/triage/1/", about="referral:1")
    settings.EMAIL_BACKEND = f"{__name__}.MailServerFailsAfterOne"
    MailServerFailsAfterOne.accepted = [object()]  # fails at once

    with pytest.raises(SMTPException):
        send_batch()

    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2


def test_the_sender_claims_at_most_a_batch_per_transaction(db, monkeypatch):
    from notifications import email

    monkeypatch.setattr(email, "BATCH_SIZE", 2)
    users = [coordinator() for _ in range(5)]
    notify(recipients=users, kind="new_referral", link="/triage/1/", about="referral:1")

    assert send_batch(limit=2) == 2
    assert send_pending() == 3
    assert len(mail.outbox) == 5
    assert timezone.now() >= Notification.objects.latest("emailed_at").emailed_at


def test_the_suite_wide_check_finds_a_childs_name_or_date_of_birth_in_an_email(db):
    """tests/conftest.py checks every email every test sends; this shows it would catch
    one that named a child."""
    child = ChildFactory(known_as="Jaz", date_of_birth=dt.date(2012, 3, 4))
    leaky = EmailMessage(subject="About jaz", body=f"Born 04/03/2012, {child.first_name}.")
    safe = EmailMessage(subject="Safeguard Panel: Review overdue for CSE-2026-0001", body="")

    found = child_details_in([leaky, safe], [child_details(child)])

    assert sorted(detail for _, detail in found) == sorted(["Jaz", "04/03/2012", child.first_name])
