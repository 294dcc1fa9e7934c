"""Temporary streaming tokens against the fake's ``GET /v3/token`` over a real socket."""

from __future__ import annotations

import pytest

from tests.fake_assemblyai import FakeAssemblyAI
from tests.fake_assemblyai import streaming as fs
from turntune_nb.assemblyai.tokens import create_temporary_token, streaming_url_with_token, token_endpoint
from turntune_nb.errors import APIError, AuthenticationError, ConfigError, MissingAPIKeyError

KEY = "sk-token-test-0a1b2c3d"


@pytest.fixture(scope="module")
def fake():
    with FakeAssemblyAI(api_key=KEY) as server:
        yield server


def test_mint_sends_the_key_in_the_header_and_the_durations(fake):
    token = create_temporary_token(KEY, expires_in_seconds=45, max_session_duration_seconds=600, url=fake.ws_url)
    minted = fs.tokens_minted(fake)[-1]
    assert minted["token"] == token and token.startswith("tmp-")
    assert minted["query"] == {"expires_in_seconds": "45", "max_session_duration_seconds": "600"}


def test_bad_durations_are_refused_before_any_request(fake):
    before = fake.state.counts["token"]
    for kwargs in ({"expires_in_seconds": 0}, {"expires_in_seconds": 601}, {"expires_in_seconds": 1.5},
                   {"max_session_duration_seconds": 59}, {"max_session_duration_seconds": 10801}):
        with pytest.raises(ConfigError):
            create_temporary_token(KEY, url=fake.ws_url, **kwargs)
    assert fake.state.counts["token"] == before


def test_a_wrong_key_is_an_authentication_error_that_hides_the_key(fake, monkeypatch):
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    with pytest.raises(AuthenticationError) as info:
        create_temporary_token("sk-wrong-key-987654", url=fake.ws_url)
    assert "sk-wrong-key-987654" not in str(info.value) and info.value.status_code == 401
    with pytest.raises(MissingAPIKeyError):
        create_temporary_token(None, url=fake.ws_url)


def test_the_fake_refuses_out_of_range_durations_itself(fake):
    import requests

    r = requests.get(token_endpoint(fake.ws_url), params={"expires_in_seconds": 601},
                     headers={"Authorization": KEY}, timeout=5)
    assert r.status_code == 400 and "between 1 and 600" in r.json()["error"]
    r = requests.get(token_endpoint(fake.ws_url), headers={"Authorization": KEY}, timeout=5)
    assert r.status_code == 400 and "required" in r.json()["error"]


def test_unreachable_host_is_an_api_error():
    with pytest.raises(APIError, match="cannot reach http://127.0.0.1:9/v3/token"):
        create_temporary_token(KEY, url="ws://127.0.0.1:9/v3/ws", timeout=2)


def test_urls():
    assert token_endpoint("wss://streaming.assemblyai.com/v3/ws") == "https://streaming.assemblyai.com/v3/token"
    url = streaming_url_with_token("t", {"a": None, "b": False}, "wss://x/v3/ws?old=1")
    assert url == "wss://x/v3/ws?b=false&token=t"
