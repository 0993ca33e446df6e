"""Champion discipline: ``@champion`` moves only for a run that beats it on the same fixed validation set, or
with promote=true; a sweep never moves it; every registered version says whether it was promoted and why."""
from pathlib import Path

import pytest

from discrep.errors import ConfigError
from discrep.io.tracking import CHAMPION, REGISTERED_NAME, promote_setting, promotion_decision

ROOT = Path(__file__).resolve().parents[3]
CHAMP = {"version": "3", "selection_metric": 0.80, "selection_set": "abc"}


def test_no_champion_yet_takes_the_alias():
    assert promotion_decision("auto", 0.1, "abc", None) == (True, "no champion yet")


def test_only_a_strictly_better_run_on_the_same_set_takes_it():
    ok, why = promotion_decision("auto", 0.81, "abc", CHAMP)
    assert ok and why.startswith("beats champion v3: news_val_macro_f1 0.8100 > 0.8000")
    ok, why = promotion_decision("auto", 0.80, "abc", CHAMP)  # a tie keeps the champion
    assert not ok and why.startswith("does not beat champion v3") and "0.8000 <= 0.8000" in why
    assert promotion_decision("auto", None, "abc", CHAMP)[0] is False


def test_a_sweep_never_moves_it_implicitly():
    for champ in (CHAMP, None):
        ok, why = promotion_decision("auto", 0.99, "abc", champ, sweep=True)
        assert not ok and "sweep" in why and "promote=true" in why


def test_promote_true_and_false_decide():
    assert promotion_decision(True, 0.1, "abc", CHAMP) == (True, "promote=true (replaces champion v3)")
    assert promotion_decision(False, 0.99, "abc", None) == (False, "promote=false")


def test_a_champion_selected_on_another_set_is_rescored_on_this_one():
    asked = []

    def rescore(version):
        asked.append(version)
        return 0.70

    ok, why = promotion_decision("auto", 0.75, "new", CHAMP, rescore=rescore)
    assert ok and asked == ["3"] and "0.7500 > 0.7000" in why and "re-scored" in why
    ok, why = promotion_decision("auto", 0.65, "new", {**CHAMP, "selection_set": None}, rescore=rescore)
    assert not ok and "0.6500 <= 0.7000" in why
    ok, why = promotion_decision("auto", 0.99, "new", CHAMP, rescore=lambda v: None)  # cannot be loaded
    assert not ok and "another validation set" in why and "promote=true" in why
    assert promotion_decision("auto", 0.99, "new", CHAMP)[0] is False  # no way to re-score: the champion stays


def test_promote_setting():
    assert [promote_setting(v) for v in ("auto", None, " Auto", True, "true", False, "FALSE")] == [
        "auto", "auto", "auto", True, True, False, False]
    for bad in ("yes", 1, "best"):
        with pytest.raises(ConfigError, match="use auto"):
            promote_setting(bad)


def test_the_registry_alias_follows_the_rule(tiny_model, tmp_path):
    """Real registry (SQLite): five versions logged one after another."""
    from mlflow import MlflowClient

    from discrep.io import tracking

    folder, example = tiny_model
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)

    def log(metric, **kw):
        with tracking.start_run("champ-test", f"m{metric}", {}, uri) as run:
            r = tracking.log_classifier(folder, example, None, None, selection_metric=metric, selection_set="s1",
                                        **kw)
        alias = client.get_model_version_by_alias(REGISTERED_NAME, CHAMPION).version
        tags = client.get_run(run.info.run_id).data.tags
        assert tags["promoted"] == str(r["promoted"]).lower() and tags["promotion"] == r["promotion"]
        mv = client.get_model_version(REGISTERED_NAME, r["version"])
        assert mv.tags["promotion"] == r["promotion"] and mv.tags["selection_set"] == "s1"
        return r, str(alias)

    r, alias = log(0.5)
    assert (r["version"], r["promoted"], r["promotion"], alias) == ("1", True, "no champion yet", "1")
    r, alias = log(0.5)
    assert not r["promoted"] and alias == "1" and "does not beat champion v1" in r["promotion"]
    r, alias = log(0.9, sweep=True)
    assert not r["promoted"] and alias == "1" and "sweep" in r["promotion"]
    r, alias = log(0.3, promote=True)
    assert r["promoted"] and alias == "4" and r["promotion"] == "promote=true (replaces champion v1)"
    r, alias = log(0.6)
    assert r["promoted"] and alias == "5" and r["promotion"].startswith("beats champion v4")
    assert tracking.registration_line(r) == f"registered discrep-pair v5, champion ({r['promotion']})"
