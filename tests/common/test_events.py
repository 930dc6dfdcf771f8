"""common.events: the in-process bus that lets a lower app's service trigger an upper app's reaction."""

from channels.events import READINESS_INPUTS_CHANGED
from channels.services import channel_update
from common import events
from listings.services import listings_readiness_refresh_enqueue


def test_publish_calls_each_subscriber_once_in_order_with_the_payload(monkeypatch):
    # given a private handler table with one handler subscribed twice and another once
    monkeypatch.setattr(events, "_handlers", events.defaultdict(list))
    calls = []
    first = lambda **kw: calls.append(("first", kw))  # noqa: E731
    second = lambda **kw: calls.append(("second", kw))  # noqa: E731
    events.subscribe("thing.happened", first)
    events.subscribe("thing.happened", first)
    events.subscribe("thing.happened", second)
    # when the event is published
    events.publish("thing.happened", n=3)
    # then each handler ran once, in subscription order, with the payload
    assert calls == [("first", {"n": 3}), ("second", {"n": 3})]


def test_an_event_without_subscribers_does_nothing(monkeypatch):
    monkeypatch.setattr(events, "_handlers", events.defaultdict(list))
    events.publish("nobody.listens", x=1)
    assert events.subscribers("nobody.listens") == ()


def test_listings_subscribe_the_readiness_refresh_to_channel_changes():
    # The wiring happens in ListingsConfig.ready(); channel services only publish.
    assert listings_readiness_refresh_enqueue in events.subscribers(READINESS_INPUTS_CHANGED)


def test_a_channel_rule_change_reaches_the_subscribers_with_the_channel(db, make_channel):
    # given a channel and a recording subscriber
    channel = make_channel()
    seen = []
    handler = lambda **kw: seen.append(kw)  # noqa: E731
    events.subscribe(READINESS_INPUTS_CHANGED, handler)
    try:
        # when its rules change
        channel_update(channel=channel, title_max_length=50)
    finally:
        events._handlers[READINESS_INPUTS_CHANGED].remove(handler)
    # then the bus carried the channel (no category: the whole channel)
    assert seen == [{"channel": channel, "category": None}]
