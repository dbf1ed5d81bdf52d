"""Pure units: regions, backoff bounds, URL redaction, log scrubbing."""

from __future__ import annotations

import random

import pytest

from assist_tui.genesys.backoff import Backoff
from assist_tui.genesys.regions import REGION_API_HOSTS, UnknownRegionError, resolve_region
from assist_tui.genesys.urls import redact_url, without_login
from assist_tui.logs import scrub


@pytest.mark.parametrize(
    ("value", "name", "api", "login"),
    [
        ("us_east_1", "us_east_1", "api.mypurecloud.com", "login.mypurecloud.com"),
        ("EU-WEST-1", "eu_west_1", "api.mypurecloud.ie", "login.mypurecloud.ie"),
        ("mypurecloud.ie", "eu_west_1", "api.mypurecloud.ie", "login.mypurecloud.ie"),
        (
            "api.mypurecloud.com.au",
            "ap_southeast_2",
            "api.mypurecloud.com.au",
            "login.mypurecloud.com.au",
        ),
        (
            "https://login.usw2.pure.cloud/",
            "us_west_2",
            "api.usw2.pure.cloud",
            "login.usw2.pure.cloud",
        ),
        (
            "use2.us-gov-pure.cloud",
            "us_east_2",
            "api.use2.us-gov-pure.cloud",
            "login.use2.us-gov-pure.cloud",
        ),
    ],
)
def test_region_mapping(value: str, name: str, api: str, login: str) -> None:
    region = resolve_region(value)
    assert (region.name, region.api_host, region.login_host) == (name, api, login)


def test_every_region_round_trips_through_its_host() -> None:
    assert len(REGION_API_HOSTS) == 17
    for name, host in REGION_API_HOSTS.items():
        assert resolve_region(host).name == name
        assert resolve_region(host.removeprefix("api.")).name == name


def test_unknown_region() -> None:
    with pytest.raises(UnknownRegionError, match=r"unknown region 'mypurecloud\.xyz'"):
        resolve_region("mypurecloud.xyz")


def test_backoff_decorrelated_jitter_bounds_and_cap() -> None:
    backoff = Backoff(base_s=0.25, cap_s=5.0, rng=random.Random(1))
    first = backoff.next_delay()
    assert 0.0 <= first <= 0.25 and backoff.attempt == 1
    previous = max(first, 0.25)
    for attempt in range(2, 200):
        delay = backoff.next_delay()
        assert backoff.attempt == attempt
        assert 0.25 <= delay <= min(5.0, 3 * previous)
        previous = delay
    assert Backoff(1.0, 0.5).cap_s == 1.0  # a cap below the base is the base


def test_backoff_jitter_spreads_delays() -> None:
    delays = []
    for seed in range(50):
        b = Backoff(0.25, 5.0, rng=random.Random(seed))
        for _ in range(4):
            delay = b.next_delay()
        delays.append(delay)
    assert max(delays) - min(delays) > 2  # jittered, not a fixed schedule


def test_backoff_resets_when_proven_or_after_a_healthy_period() -> None:
    now = [0.0]
    backoff = Backoff(0.25, 5.0, healthy_after_s=60.0, clock=lambda: now[0])
    for _ in range(5):
        backoff.next_delay()
    assert backoff.proven() and backoff.attempt == 0
    assert backoff.next_delay() <= 0.25  # the first retry after a proven connection is quick
    backoff.connected()
    now[0] = 59.0
    assert not backoff.reset_if_healthy() and backoff.attempt == 1
    now[0] = 60.0
    assert backoff.reset_if_healthy() and backoff.attempt == 0
    backoff.next_delay()
    assert not backoff.reset_if_healthy()  # a failure clears the healthy clock


def test_redact_url_hides_tokens_in_queries() -> None:
    url = "wss://api.mypurecloud.com/x?access_token=eyJabc.def&mediaTypes=voice,chat"
    shown = redact_url(url)
    assert (
        "eyJabc" not in shown and "access_token=***" in shown and "mediaTypes=voice,chat" in shown
    )
    assert redact_url("wss://h/x") == "wss://h/x"


def test_scrub_removes_secret_shapes() -> None:
    text = scrub(
        'Authorization: Bearer abcdefghijk123 url?access_token=zzz9 {"client_secret": "s3"}'
    )
    assert "abcdefghijk123" not in text and "zzz9" not in text and '"s3"' not in text


def test_redact_url_hides_a_password_or_token_before_the_host() -> None:
    assert redact_url("nats://ana:s3cret@127.0.0.1:4222") == "nats://ana:***@127.0.0.1:4222"
    assert redact_url("nats://tok3n@h:4222") == "nats://***@h:4222"  # NATS's token login
    listed = redact_url("nats://a:p1@h1:4222,nats://b:p2@h2:4222")
    assert "p1" not in listed and "p2" not in listed and listed.count("***") == 2
    assert redact_url("nats://h:4222") == "nats://h:4222"
    assert without_login("nats://ana:s3cret@h:4222") == "nats://h:4222"
    assert without_login("nats://h:4222") == "nats://h:4222"


def test_scrub_removes_a_password_in_a_url() -> None:
    text = scrub("NATS connection to nats://ana:lPHYUQK4iX@127.0.0.1:14223 lost; reconnecting")
    assert "lPHYUQK4iX" not in text and "nats://ana:***@127.0.0.1:14223" in text
