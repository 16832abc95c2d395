import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify
from tests.factories import coordinator, make_case, referrer

pytestmark = pytest.mark.django_db


def test_a_user_sees_only_their_own_notifications_and_the_unread_count(client):
    mine, theirs = referrer(), referrer()
    notify(recipients=[mine], kind="referral_outcome", link="/referrals/1/", about="referral:1")
    notify(recipients=[theirs], kind="referral_outcome", link="/referrals/2/", about="referral:2")
    client.force_login(mine)

    page = client.get(reverse("notifications:list")).content.decode()

    assert page.count("Referral outcome") == 1
    assert "Notifications (1 new)" in page


def test_notifying_twice_creates_one():
    user = coordinator()
    for _ in range(2):
        notify(recipients=[user], kind="new_referral", link="/triage/1/", about="referral:1")

    assert Notification.objects.count() == 1


def test_opening_marks_read_and_follows_the_link(client):
    user = coordinator()
    case = make_case(coordinator_user=user)
    notify(
        recipients=[user],
        kind="review_due",
        link=reverse("cases:case-detail", args=[case.pk]),
        about=f"review:{case.pk}",
        case_reference=case.reference,
    )
    notification = Notification.objects.get(kind="review_due")
    client.force_login(user)

    response = client.post(reverse("notifications:open", args=[notification.pk]))

    assert response["Location"] == reverse("cases:case-detail", args=[case.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_404(client):
    owner = coordinator()
    notify(recipients=[owner], kind="new_referral", link="/triage/1/", about="referral:1")
    client.force_login(referrer())

    response = client.post(reverse("notifications:open", args=[Notification.objects.get().pk]))

    assert response.status_code == 404


def test_a_notification_never_carries_the_childs_name():
    boss = coordinator()
    case = make_case(coordinator_user=boss)

    for notification in Notification.objects.all():
        text = f"{notification} {notification.link} {notification.key}"
        assert case.child.first_name not in text
        assert case.child.last_name not in text
