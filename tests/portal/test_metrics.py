"""The portal's /metrics: page views by route template (never a unit or tracking code), its
calls to intake and routing by upstream and outcome, and its cache of public figures."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.portal.conftest import CLIENT_TIMEOUT, UPSTREAM_TIMEOUT, Portal, serving
from tests.support.stack import wait_until

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
ROUTES = (
    ("/units/{unit_code}", "2xx"),
    ("/cases/{tracking_code}", "2xx"),
    ("/static", "2xx"),
    ("unmatched", "4xx"),
)


async def scrape(client: httpx.AsyncClient) -> tuple[str, Samples]:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return answer.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_a_page_view_counts_under_its_route_template(portal: Portal) -> None:
    created = await portal.stack.submit()
    code = created["tracking_code"]
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        _, before = await scrape(client)
        for path in ("/units/06427", "/units/20", f"/cases/{code}", "/static/portal.css"):
            assert (await client.get(path)).status_code == 200, path
        assert (await client.get("/no/such/page")).status_code == 404

        async def all_counted() -> tuple[str, Samples] | None:
            # The middleware counts a request once its response has gone out: the client can
            # read the response (and ask for /metrics) before the count is made.
            text, after = await scrape(client)
            counted = sum(
                value(after, "tiepdan_http_requests_total", method="GET", route=r, status=s)
                - value(before, "tiepdan_http_requests_total", method="GET", route=r, status=s)
                for r, s in ROUTES
            )
            return (text, after) if counted >= 5 else None

        text, after = await wait_until(all_counted, what="the five page views counted")

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "tiepdan_http_requests_total"
    assert grew(requests, method="GET", route="/units/{unit_code}", status="2xx") == 2
    assert grew(requests, method="GET", route="/cases/{tracking_code}", status="2xx") == 1
    assert grew(requests, method="GET", route="/static", status="2xx") == 1
    assert grew(requests, method="GET", route="unmatched", status="4xx") == 1
    latency = "tiepdan_http_request_duration_seconds_count"
    assert grew(latency, method="GET", route="/units/{unit_code}") == 2
    for concrete in ("06427", code, "/units/20", "/metrics", "/healthz"):
        assert concrete not in text, f"{concrete} is a label value: labels must stay bounded"
    # The pages' calls to routing (no cache in this fixture): the unit, its figures, its
    # months (one call, not one per month), its report and its reception calendar; the
    # province also its communes' names. Intake answered the case and the categories.
    calls = "tiepdan_portal_upstream_requests_total"
    assert grew(calls, upstream="routing", outcome="ok") == 5 + 6
    assert grew("tiepdan_portal_upstream_duration_seconds_count", upstream="routing") == 11
    assert grew(calls, upstream="intake", outcome="ok") >= 1
    assert grew(calls, upstream="routing", outcome="problem") == 0


async def test_upstream_outcomes_and_cache_hits_are_counted(portal: Portal) -> None:
    from services.portal.app import create_portal_app
    from services.portal.settings import PortalSettings

    settings = PortalSettings(
        _env_file=None,  # type: ignore[call-arg]
        intake_url="http://127.0.0.1:9",  # nothing listens: unreachable
        routing_url=portal.routing_url,
        timeout_seconds=UPSTREAM_TIMEOUT,
        public_cache_seconds=60,
    )
    async with (
        serving(create_portal_app(settings), lifespan="on") as url,
        httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=url) as client,
    ):
        for _ in range(2):
            assert (await client.get("/units/06427")).status_code == 200
        assert (await client.get("/units/99999")).status_code == 404  # routing's 404
        _, samples = await scrape(client)
    calls = "tiepdan_portal_upstream_requests_total"
    # Each view asks intake for the categories and the published answers: unreachable, and
    # a failure is not kept, so both views ask again.
    assert value(samples, calls, upstream="intake", outcome="unreachable") == 4
    assert value(samples, calls, upstream="intake", outcome="timeout") == 0
    assert value(samples, calls, upstream="routing", outcome="problem") == 1
    # The first view's five calls to routing are kept; the second view finds all five.
    assert value(samples, calls, upstream="routing", outcome="ok") == 5
    cache = "tiepdan_portal_public_cache_total"
    assert value(samples, cache, result="hit") == 5
    assert value(samples, cache, result="miss") == 5 + 4 + 1  # routing, intake, the 404
