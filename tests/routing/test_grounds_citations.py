"""The legal grounds cite what the articles say (issue 10, item 12)."""

from __future__ import annotations

from services.routing.workflow.law import LawBook

LAW = LawBook.load()


def test_a_denunciation_not_made_as_the_law_requires_cites_article_23_only() -> None:
    # Tố cáo 2018 Điều 29 khoản 1 điểm a: the conditions of acceptance refer to Điều 23.
    ground = LAW.ground("TC29.1a")
    assert ground is not None and "Điều 23" in ground.text and "Điều 22" not in ground.text


def test_refusing_to_receive_a_person_is_not_a_ground_to_refuse_a_petition() -> None:
    # Tiếp công dân 2013 Điều 9 khoản 3: a ground to refuse to receive a person at a reception.
    ground = LAW.ground("TCD9.3")
    assert ground is not None and ground.kinds == {"dialogue_request"}
    for code, g in LAW.grounds.items():
        if g.article.startswith("Điều 9") and "Tiếp công dân" in g.law:
            assert not g.kinds & {"petition", "feedback"}, code
