"""Signed callback URLs: what the route accepts and what it refuses, before any database."""

from __future__ import annotations

import time

import pytest

from airflow_provider_direct.utils.callback_tokens import CallbackRefused, CallbackTarget, callback_url, sign, verify

SECRET = "s3cret-key-for-tests"


def target(ttl: float = 60) -> CallbackTarget:
    return CallbackTarget.new("dag", "run", "task", -1, ttl)


def test_a_signed_token_names_its_task_instance() -> None:
    t = target()
    assert verify(sign(t, SECRET), SECRET) == t
    assert len(t.nonce) >= 20 and target().nonce != t.nonce
    assert callback_url("http://h:8080/", "mytarget", "tok") == "http://h:8080/direct-callbacks/mytarget/tok"


@pytest.mark.parametrize(
    ("mangle", "status"),
    [
        (lambda token: token.split(".")[0], 401),  # no signature
        (lambda token: token.split(".")[0] + ".", 401),
        (lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), 403),  # forged signature
        (lambda token: sign(target(), "another secret"), 403),  # signed with another key
    ],
)
def test_unsigned_or_forged_tokens_are_refused(mangle: object, status: int) -> None:
    with pytest.raises(CallbackRefused) as refused:
        verify(mangle(sign(target(), SECRET)), SECRET)  # type: ignore[operator]
    assert refused.value.status == status


def test_a_changed_payload_breaks_the_signature() -> None:
    payload, signature = sign(target(), SECRET).split(".")
    other, _ = sign(CallbackTarget("dag", "run", "other_task", -1, "n", time.time() + 60), SECRET).split(".")
    with pytest.raises(CallbackRefused) as refused:
        verify(f"{other}.{signature}", SECRET)
    assert refused.value.status == 403
    assert payload != other


def test_an_expired_token_is_refused() -> None:
    token = sign(target(ttl=-1), SECRET)
    with pytest.raises(CallbackRefused) as refused:
        verify(token, SECRET)
    assert refused.value.status == 410
