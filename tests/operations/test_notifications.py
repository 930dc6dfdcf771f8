"""Notifications (docs/operations.md#notifications): written from the events lower apps publish once their
transaction commits, the header's unread count, the centre page, the API and the e-mail digest."""

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django_q.models import OrmQ

from accounts.events import NOTIFICATION_REQUESTED
from accounts.roles import ADMIN, EDITOR, VIEWER
from common import events
from competitors.events import COMPETITOR_OBSERVED
from competitors.models import Alert, Competitor
from operations.choices import JobStatus, JobType
from operations.models import Notification
from operations.services.jobs import job_create, job_finish
from operations.services.notifications import (
    notification_create,
    notification_preference_set,
    notifications_email_send,
)
from operations.tasks import notifications_email_task
from orders.services import orders_ingest
from tests.catalog.factories import ProductFactory
from tests.orders.conftest import remote_line, remote_order

pytestmark = pytest.mark.django_db
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def team(make_user):
    editor = make_user("eddie", EDITOR)
    admin = make_user("ada", ADMIN)
    viewer = make_user("vic", VIEWER)
    return editor, admin, viewer


def _titles(user):
    return sorted(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_an_oversell_notifies_the_staff_once_after_the_commit(make_channel, team, django_capture_on_commit_callbacks):
    editor, admin, viewer = team
    shop = make_channel("shopify", currency="USD")
    ProductFactory(sku="LAST", quantity=1)
    remotes = [remote_order(order_id=f"O{i}", lines=[remote_line(sku="LAST")]) for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        orders_ingest(channel=shop, remotes=remotes)
        assert not Notification.objects.exists()  # nothing inside the publisher's transaction
    assert _titles(editor) == ["Oversold: order O1, LAST × 1"]
    assert _titles(admin) == ["Oversold: order O1, LAST × 1"]
    assert _titles(viewer) == []  # viewers only read
    note = Notification.objects.get(user=editor)
    assert note.kind == "oversell"
    assert note.link.startswith("/orders/")
    with django_capture_on_commit_callbacks(execute=True):
        orders_ingest(channel=shop, remotes=remotes)  # the same orders again
    assert Notification.objects.filter(user=editor).count() == 1


def test_a_page_of_orders_asks_for_its_oversold_lines_once(make_channel, team, django_capture_on_commit_callbacks):
    # given a page of five orders of the last three units: two of them oversell
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    editor, _admin, _viewer = team
    shop = make_channel("shopify", currency="USD")
    ProductFactory(sku="LAST3", quantity=3)
    remotes = [remote_order(order_id=f"P{i}", lines=[remote_line(sku="LAST3")]) for i in range(5)]
    # when the page is ingested in one transaction
    with (
        CaptureQueriesContext(connection) as ctx,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        orders_ingest(channel=shop, remotes=remotes)
    # then both oversells are told, from one read of the page's oversold lines (not one per order)
    assert _titles(editor) == ["Oversold: order P3, LAST3 × 1", "Oversold: order P4, LAST3 × 1"]
    reads = [q["sql"] for q in ctx.captured_queries if 'AND "orders_orderline"."oversold")' in q["sql"]]
    assert len(reads) == 1, reads


def test_a_rolled_back_change_notifies_nobody(make_channel, team, django_capture_on_commit_callbacks):
    shop = make_channel("shopify", currency="USD")
    ProductFactory(sku="LAST", quantity=1)
    remotes = [remote_order(order_id=f"R{i}", lines=[remote_line(sku="LAST")]) for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                orders_ingest(channel=shop, remotes=remotes)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        notification_create(kind="other", title="after", user_ids=[team[0].pk])
    assert _titles(team[0]) == ["after"]


def test_a_new_competitor_alert_notifies_with_a_link(make_channel, team, django_capture_on_commit_callbacks):
    editor = team[0]
    competitor = Competitor.objects.create(channel=make_channel("amazon"), marketplace="amazon", item_id="B0TEST")
    alert = Alert.objects.create(
        competitor=competitor,
        alert_type="price_drop",
        previous_value="50.00",
        new_value="40.00",
        first_seen_at=AT,
        last_seen_at=AT,
    )
    Alert.objects.create(
        competitor=competitor, alert_type="rank_change", first_seen_at=AT.replace(hour=8), last_seen_at=AT
    )  # fmt: skip  (an older alert that folded a move in: not new)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.publish(COMPETITOR_OBSERVED, competitor_id=competitor.pk, listing_ids=[], at=AT)
    (note,) = Notification.objects.filter(user=editor)
    assert note.kind == "alert"
    assert "Price drop" in note.title
    assert note.body == "50.00 → 40.00"
    assert note.link == f"/competitors/{competitor.pk}/"
    assert note.dedupe_key == f"alert:{alert.pk}"


def test_a_failed_job_notifies_its_starter_and_the_admins(team, monkeypatch, django_capture_on_commit_callbacks):
    editor, admin, viewer = team
    monkeypatch.setattr("operations.services.jobs.enqueue", lambda *a, **k: None)
    job = job_create(type=JobType.MAINTENANCE, user=viewer)
    with django_capture_on_commit_callbacks(execute=True):
        job_finish(job=job, status=JobStatus.FAILED, error="disk full")
    for user in (viewer, admin):
        (note,) = Notification.objects.filter(user=user)
        assert (note.kind, note.body) == ("job_failed", "disk full")
        assert note.link == f"/operations/jobs/{job.public_id}/"
    assert not Notification.objects.filter(user=editor).exists()
    other = job_create(type=JobType.MAINTENANCE, user=viewer)
    with django_capture_on_commit_callbacks(execute=True):
        job_finish(job=other, status=JobStatus.SUCCEEDED)
    assert Notification.objects.filter(user=viewer).count() == 1


def test_any_app_can_ask_for_a_notification_by_event(team, django_capture_on_commit_callbacks):
    editor = team[0]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.publish(
            NOTIFICATION_REQUESTED,
            kind="marketplace_edit",
            title="Etsy changed the title of listing 7",
            link="/listings/7/",
            user_ids=[editor.pk],
            dedupe_key="edit:7:3",
        )
        events.publish(NOTIFICATION_REQUESTED, kind="marketplace_edit", title="again", user_ids=[editor.pk],
                       dedupe_key="edit:7:3")  # fmt: skip
    assert _titles(editor) == ["Etsy changed the title of listing 7"]


def test_an_unknown_kind_or_an_outside_link_is_refused(team):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="kind"):
        notification_create(kind="gossip", title="x", user_ids=[team[0].pk])
    with pytest.raises(ValidationError, match="link"):
        notification_create(kind="other", title="x", link="https://evil.example/", user_ids=[team[0].pk])


def test_the_centre_marks_read_and_the_unread_count_follows(client, team):
    editor = team[0]
    for n in range(3):
        notification_create(kind="other", title=f"note {n}", user_ids=[editor.pk])
    notification_create(kind="other", title="not mine", user_ids=[team[1].pk])
    client.force_login(editor)
    page = client.get("/operations/notifications/").content.decode()
    assert "3 unread" in page
    assert "not mine" not in page
    assert client.get("/operations/notifications/unread/").json() == {"unread": 3}
    first = Notification.objects.filter(user=editor).order_by("pk").first()
    client.post("/operations/notifications/read/", {"id": [first.pk]})
    assert client.get("/operations/notifications/unread/").json() == {"unread": 2}
    client.post("/operations/notifications/read/", {"id": [Notification.objects.get(title="not mine").pk]})
    client.post("/operations/notifications/read/", {"all": "1"})
    assert client.get("/operations/notifications/unread/").json() == {"unread": 0}
    assert not Notification.objects.filter(user=team[1], read_at__isnull=False).exists()  # others' stay unread


def test_the_header_link_costs_pages_no_query_and_the_count_one(client, team, django_assert_max_num_queries):
    editor = team[0]
    notification_create(kind="other", title="x", user_ids=[editor.pk])
    client.force_login(editor)
    page = client.get("/operations/").content.decode()
    assert 'id="notifications-link" data-unread-url="/operations/notifications/unread/"' in page
    assert "js/notifications.js" in page
    client.get("/operations/notifications/unread/")  # session and user lookups warmed up
    with django_assert_max_num_queries(5):  # the request's own (session, user, its session row, roles), the count
        assert client.get("/operations/notifications/unread/").json() == {"unread": 1}
    assert "js/notifications.js" not in client.__class__().get("/accounts/login/").content.decode()


def test_preferences_page_saves_each_kind(client, team):
    editor = team[0]
    client.force_login(editor)
    data = dict.fromkeys(("alert", "rule_action", "job_failed", "marketplace_edit", "other"), "in_app")
    response = client.post("/operations/notifications/preferences/", data | {"oversell": "immediate"})
    assert response.status_code == 302
    from operations.models import NotificationPreference

    pref = NotificationPreference.objects.get(user=editor, kind="oversell")
    assert (pref.channel, pref.digest) == ("email", "immediate")
    assert NotificationPreference.objects.get(user=editor, kind="alert").channel == "in_app"


def test_the_daily_digest_sends_one_email_per_user_once(team, mailoutbox):
    editor, admin, viewer = team
    notification_preference_set(user=editor, kind="alert", channel="email", digest="daily")
    notification_preference_set(user=admin, kind="alert", channel="in_app", digest="daily")
    notification_create(kind="alert", title="Price drop · kettle", link="/competitors/1/")
    notification_create(kind="alert", title="Rank change · kettle")
    notification_create(kind="oversell", title="Oversold: order 9")  # a kind the editor did not ask by e-mail
    read = notification_create(kind="alert", title="Already seen", user_ids=[editor.pk])
    assert read == 1
    Notification.objects.filter(title="Already seen").update(read_at=AT)
    assert notifications_email_send(digest="daily") == 1
    (mail,) = mailoutbox
    assert mail.to == ["eddie@example.com"]
    assert mail.subject == "[Listing Manager] 2 notifications"
    assert "Price drop · kettle" in mail.body
    assert "Rank change · kettle" in mail.body
    assert "/competitors/1/" in mail.body
    assert "Oversold" not in mail.body
    assert "Already seen" not in mail.body
    assert notifications_email_send(digest="daily") == 0  # sent ones are not sent again
    assert notifications_email_send(digest="immediate") == 0


def test_immediate_mode_queues_an_email_when_a_notification_arrives(team, mailoutbox):
    editor = team[0]
    notification_preference_set(user=editor, kind="oversell", channel="email", digest="immediate")
    queued = OrmQ.objects.count()
    notification_create(kind="alert", title="no e-mail wanted")
    assert OrmQ.objects.count() == queued
    notification_create(kind="oversell", title="Oversold: order 12")
    assert OrmQ.objects.count() == queued + 1
    notifications_email_task("immediate")
    (mail,) = mailoutbox
    assert mail.subject == "[Listing Manager] Oversold: order 12"


def test_the_daily_digest_has_a_schedule():
    from operations.schedules import schedule_specs

    spec = {s.name: s for s in schedule_specs()}["operations.notifications_digest"]
    assert spec.func == "operations.tasks.notifications_digest_daily_task"


def test_a_marketplace_edit_taken_as_ours_notifies_the_staff_with_the_history_link(
    make_listing, team, django_capture_on_commit_callbacks
):
    from syncing.services.pull import listing_remote_accept

    # given a listing whose title the marketplace changed (the drift a pull records)
    editor, admin, viewer = team
    listing = make_listing()
    listing.drift = {"title": {"ours": listing.product.title, "last_pushed": "", "remote": "Fixed by the marketplace"}}
    listing.save(update_fields=["drift"])

    # when the marketplace's values are accepted
    with django_capture_on_commit_callbacks(execute=True):
        listing_remote_accept(listing=listing)

    # then the staff hear of it once, with a link to the listing's history
    title = f"{listing.channel.name} changed title of {listing.product.sku}"
    assert _titles(editor) == [title]
    assert _titles(viewer) == []
    note = Notification.objects.get(user=admin)
    assert (note.kind, note.link) == ("marketplace_edit", f"/listings/{listing.pk}/history/")
