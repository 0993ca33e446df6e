"""The end-to-end run files every claim under a canonical source of the registry."""
import json

import pytest
import yaml

from tests.conftest import ROOT


@pytest.mark.slow
def test_scored_claims_use_canonical_sources(scored_dir):
    registry = {s["id"]: s for s in yaml.safe_load((ROOT / "data" / "sources.yaml").read_text())["sources"]}
    claims = [json.loads(l) for l in (scored_dir / "claims.jsonl").read_text().splitlines()]
    assert len(claims) >= 100
    unknown = sorted({c["source"] for c in claims} - set(registry))
    assert unknown == []  # every speaker of the bundled articles is in data/sources.yaml
    assert all(c["source_name"] == registry[c["source"]]["name"] for c in claims)
    # unattributed sentences fall back to the publishing outlet
    outlets = {c["source"] for c in claims if registry[c["source"]]["type"] == "media" and c["source"] not in
               ("local-telegram", "ua-media")}
    assert outlets <= {"northern-ledger", "kyiv-wire", "eastern-dispatch", "border-telegraph"}
    assert {c["source"] for c in claims} >= {"gladkov", "ru-mod", "klitschko", "ua-officials", "local-telegram"}
