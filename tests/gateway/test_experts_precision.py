"""``experts`` on the sample council: precision at 5 over the labelled topics
(tests/gateway/expert_topics.json), the council's vocabulary, and the evidence reasons.

The gateway is the demo's (tests/gateway/conftest.py) with the sample vocabulary named
(``social.vocabulary_files``), as the demo runs it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from servers import Council

from gateway.settings import Settings
from schema.vocabulary import Vocabulary

from .conftest import Gateway, base_settings, serve

TOPICS = Path(__file__).with_name("expert_topics.json")
GOAL = 0.8
VIEWER = "alex.morgan"
QUERY = """query($topic: String!, $first: Int!) { experts(topic: $topic, first: $first) {
  score person { accountName } reasons { kind detail weight relatedTerm } } }"""


def vocabulary_file(council: Council) -> Path:
    return Path(council.root) / "vocabulary.json"


@pytest.fixture(scope="module")
async def gateway(
    council: Council,
    scim_server: Any,
    webdav_server: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings: Settings = base_settings(
        council, scim_server, webdav_server, tmp_path_factory.mktemp("experts")
    )
    settings.social.vocabulary_files = [vocabulary_file(council)]
    settings.limits.budget_per_minute = 10_000_000  # forty-odd topics in one minute
    async with serve(settings) as served:
        yield served


async def experts(gateway: Gateway, topic: str, first: int = 5) -> list[dict[str, Any]]:
    body = await gateway.query(QUERY, {"topic": topic, "first": first}, user=VIEWER)
    assert "errors" not in body, body
    found: list[dict[str, Any]] = body["data"]["experts"]
    return found


async def test_precision_at_5_meets_the_goal(gateway: Gateway) -> None:
    labelled = json.loads(TOPICS.read_text())["topics"]
    assert len(labelled) >= 30
    precisions: list[float] = []
    lines: list[str] = []
    for item in labelled:
        relevant = set(item["relevant"])
        assert relevant, item["topic"]
        top = [e["person"]["accountName"] for e in await experts(gateway, item["topic"])]
        hits = sum(1 for account in top if account in relevant)
        precision = hits / min(5, len(relevant))
        precisions.append(precision)
        lines.append(f"  {item['topic']:<26} {precision:.2f}  {', '.join(top)}")
    mean = sum(precisions) / len(precisions)
    print(f"\nexperts precision@5 over {len(precisions)} topics: {mean:.3f}")
    print("\n".join(lines))
    assert mean >= GOAL


async def test_related_terms_and_groups_count_and_say_so(gateway: Gateway) -> None:
    ranked = await experts(gateway, "GDPR", first=20)
    kinds = {r["kind"] for e in ranked for r in e["reasons"]}
    assert {"GROUP", "JOB_TITLE"} <= kinds
    grouped = [r for e in ranked for r in e["reasons"] if r["kind"] == "GROUP"]
    assert all(r["detail"] == "Member of Data Protection Champions" for r in grouped)
    related = [r for e in ranked for r in e["reasons"] if r["relatedTerm"]]
    # Nobody's title says "GDPR": the Information Governance Officers rank by a related term.
    assert any(
        r["kind"] == "JOB_TITLE" and r["relatedTerm"] == "information governance" for r in related
    )
    assert all(r["weight"] > 0 for e in ranked for r in e["reasons"])
    assert ranked == sorted(ranked, key=lambda e: -e["score"])


async def test_a_topic_outside_the_vocabulary_finds_by_its_own_words(gateway: Gateway) -> None:
    ranked = await experts(gateway, "Ecologist", first=5)
    assert ranked and all(r["relatedTerm"] is None for e in ranked for r in e["reasons"])


def test_vocabularies_merge_concepts_that_share_a_term(council: Council, tmp_path: Path) -> None:
    extra = tmp_path / "extra.json"
    extra.write_text(
        json.dumps(
            {
                "concepts": [
                    {"terms": ["Data Protection", "records of processing"], "groups": ["IG Team"]},
                    {"terms": ["potholes", "carriageway defects"]},
                ]
            }
        )
    )
    merged = Vocabulary.from_files([vocabulary_file(council), extra])
    related = merged.related("gdpr")
    assert "records of processing" in related.terms and "data protection" in related.terms
    assert related.groups == ("Data Protection Champions", "IG Team")
    assert merged.related("Carriageway  Defects").terms == ("potholes",)
    assert merged.related("nothing like it") == type(related)()
    broken = tmp_path / "broken.json"
    broken.write_text('{"concepts": [{"terms": []}]}')
    with pytest.raises(ValueError, match=r"broken\.json"):
        Vocabulary.from_files([broken])
