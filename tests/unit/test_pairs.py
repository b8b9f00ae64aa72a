"""Pair discovery helpers (rdslink.analysis.pairs): an endpoint name matches only as a whole DNS name."""

from __future__ import annotations

import pytest

from rdslink.analysis.pairs import _contains_host

HOST = "orders.abc123.us-east-1.rds.amazonaws.com"


@pytest.mark.parametrize("value", [
    HOST,
    f"postgresql://app@{HOST}:5432/app",
    f"{HOST}:5432",
    f"host={HOST} port=5432",
    f"jdbc:mysql://{HOST}/db",
])
def test_whole_name_matches(value: str) -> None:
    assert _contains_host(value, HOST)


@pytest.mark.parametrize("value", [
    f"prod-{HOST}",                      # a longer name that ends with the host
    f"x.{HOST}",                         # a sub-domain of it
    f"{HOST}-replica",                   # a longer name that starts with it
    f"{HOST}x",
    f"prod-{HOST}-replica",              # inside on both sides
    "orders.abc123.us-east-1.rds.amazonaws.co",
    "",
])
def test_longer_or_different_names_do_not_match(value: str) -> None:
    assert not _contains_host(value, HOST)


def test_a_later_whole_occurrence_still_matches() -> None:
    assert _contains_host(f"prod-{HOST},{HOST}", HOST)
