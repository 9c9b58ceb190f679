"""Dân biết: a province's or commune's public figures, as charts with tables beside them,
the communes of a province side by side, the period report as CSV, the reception calendar."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.portal import web
from services.portal.labels import FIGURES, KINDS
from services.portal.units import charts
from services.portal.upstream import Api, ApiProblem, Unavailable, Upstream
from shared.dates import LOCAL_TZ

router = APIRouter()
MONTHS = 12  # the monthly chart covers the last twelve months of the period at most
SORTABLE = frozenset({"name", *FIGURES})


def _period(from_: str, to: str) -> dict[str, str]:
    """Only well-formed dates go on to routing; anything else is left out (its default)."""
    params = {}
    for name, value in (("from", from_), ("to", to)):
        try:
            params[name] = date.fromisoformat(value).isoformat()
        except ValueError:
            continue
    return params


def _months(params: dict[str, str]) -> dict[str, str]:
    """The months of the chart: those of the period, the last twelve at most. The period's
    defaults are routing's (this year to today, local time), so that the months are asked
    for beside the figures, not after them. Whole months: a period that starts mid-month
    shows that month's figures in full."""
    last = date.fromisoformat(params["to"]) if "to" in params else datetime.now(LOCAL_TZ).date()
    first = date.fromisoformat(params["from"]) if "from" in params else date(last.year, 1, 1)
    first = min(first, last)  # routing refuses a backward period: the figures say so
    index = last.year * 12 + last.month - 1 - (MONTHS - 1)
    start = max(first.replace(day=1), date(index // 12, index % 12 + 1, 1))
    return {"from": start.strftime("%Y-%m"), "to": last.strftime("%Y-%m")}


@router.get("/units")
async def find_unit(
    api: Upstream, request: Request, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """Find a province or commune by name, to open its page."""
    items: list[dict[str, Any]] = []
    if q.strip():
        api = api
        items = (await api.json("intake", "GET", "/v1/units", params={"q": q, "limit": 30}))[
            "items"
        ]
    return web.render(request, "units.html", q=q, items=items)


@router.get("/units/{unit_code}")
async def unit_page(
    api: Upstream,
    request: Request,
    unit_code: str,
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
    sort: Annotated[str, Query(max_length=30)] = "received",
) -> Response:
    api = api
    try:
        unit = await api.public("routing", f"/v1/units/{unit_code}")
    except ApiProblem as problem:
        if problem.status == 404:
            return web.render(request, "problem.html", 404, kind="no_unit", code=unit_code)
        raise
    params = _period(from_, to)
    stats, monthly, report, sessions, members, categories, published = await asyncio.gather(
        api.public("routing", f"/v1/stats/units/{unit_code}", params),
        api.public("routing", f"/v1/stats/units/{unit_code}/months", _months(params)),
        api.public("routing", f"/v1/reports/units/{unit_code}", params),
        api.public("routing", f"/v1/units/{unit_code}/reception-sessions"),
        _members(api, unit),
        _category_names(api),
        _published(api, unit["code"]),
    )
    month_rows = [{"label": f"{m['month'][5:]}/{m['month'][:4]}", **m} for m in monthly["months"]]
    by_kind: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for row in report["by_kind_and_category"]:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["received"]
        category = categories.get(row["category"], row["category"] or "—")
        by_category[category] = by_category.get(category, 0) + row["received"]
    communes = [
        {"code": r["unit_code"], "name": members.get(r["unit_code"], r["unit_code"]), **r}
        for r in stats["by_unit"]
    ]
    key = sort.lstrip("-")
    if key in SORTABLE:
        communes.sort(
            key=lambda r: (r[key] is None, r[key] if key != "name" else r["name"]),
            reverse=sort.startswith("-"),
        )
    kind_rows = [(f"{KINDS.get(k, (k, k))[0]}", v) for k, v in sorted(by_kind.items())]
    category_rows = sorted(by_category.items(), key=lambda kv: -kv[1])
    return web.render(
        request,
        "unit.html",
        unit=unit,
        stats=stats,
        params=params,
        sort=sort,
        months=month_rows,
        kind_rows=kind_rows,
        category_rows=category_rows,
        communes=communes,
        sessions=sessions["items"],
        report=report,
        categories=categories,
        published=published,
        month_chart=charts.columns(
            "Tiếp nhận và giải quyết theo tháng · Received and resolved by month",
            [r["label"] for r in month_rows],
            [
                ("Tiếp nhận · Received", [r["received"] for r in month_rows]),
                ("Đã giải quyết · Resolved", [r["resolved"] for r in month_rows]),
                ("Đúng hạn · On time", [r["resolved_on_time"] for r in month_rows]),
            ],
            chart_id="months",
        ),
        kind_chart=charts.bars(
            "Tiếp nhận theo loại · Received by kind", kind_rows, chart_id="kinds"
        ),
        category_chart=charts.bars(
            "Tiếp nhận theo lĩnh vực · Received by category", category_rows, chart_id="cats"
        ),
    )


async def _category_names(api: Api) -> dict[str, str]:
    """Categories by their Vietnamese names; their codes when intake does not answer (the
    figures are routing's: the page stands without intake)."""
    try:
        found = await api.public("intake", "/v1/categories")
    except (Unavailable, ApiProblem):
        return {}
    return {c["code"]: c["name_vi"] for c in found["items"]}


async def _published(api: Api, unit_code: str) -> list[dict[str, Any]]:
    """The newest answers the citizens consented to publish, about this commune or any
    commune of this province (intake's list; an agency is about no place: none)."""
    try:
        found = await api.public("intake", f"/v1/units/{unit_code}/resolutions", {"limit": "10"})
    except (Unavailable, ApiProblem):
        return []
    items: list[dict[str, Any]] = found["items"]
    return items


async def _members(api: Api, unit: dict[str, Any]) -> dict[str, str]:
    """The names of a province's communes and agencies, for its side-by-side table."""
    if unit["level"] != "province":
        return {}
    page = await api.public("routing", "/v1/units", {"parent": unit["code"], "limit": "500"})
    names = {u["code"]: u.get("display_name") or u["name"] for u in page["items"]}
    names.update({a["code"]: a["name"] for a in unit.get("agencies", [])})
    names[unit["code"]] = unit.get("display_name") or unit["name"]
    return names


@router.get("/units/{unit_code}/reports.csv")
async def report_csv(
    api: Upstream,
    request: Request,
    unit_code: str,
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Routing's period report in CSV, passed through as it is."""
    api = api
    params = {**_period(from_, to), "format": "csv"}
    upstream = await api.request("routing", "GET", f"/v1/reports/units/{unit_code}", params=params)
    headers = {}
    if "content-disposition" in upstream.headers:
        headers["Content-Disposition"] = upstream.headers["content-disposition"]
    return Response(
        upstream.content,
        media_type=upstream.headers.get("content-type", "text/csv; charset=utf-8"),
        headers=headers,
    )
