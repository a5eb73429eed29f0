"""The reader (``Reader`` in conftest.py) records a request to another host, and the request goes nowhere.

Every page check asserts that ``reader.external`` is empty; this shows that it would not be for a page that
asks another host for something, and that such a request fails at once in Chromium's proxy (a port of ours
that refuses every connection) instead of leaving the machine.
"""

from __future__ import annotations

import pytest

ELSEWHERE = ["https://cdn.example.org/figure.png", "http://93.184.216.34/figure.png"]


@pytest.mark.parametrize("url", ELSEWHERE)
def test_a_request_to_another_host_is_recorded_and_fails(reader, url):
    page = reader.new_tab()
    try:
        with page.expect_event("requestfailed", lambda request: request.url == url) as failed:
            page.set_content(f'<img src="{url}" alt="A figure from another host">')
        assert reader.external == [url]
        assert "PROXY_CONNECTION_FAILED" in failed.value.failure
    finally:
        page.close()
