"""Every config file composes: conf/config.yaml (training) and conf/score.yaml (scoring) with every option of
every group they use, every experiment, the cheap ``_target_``s instantiated; and the settings those configs give
are the ones the code runs with (built-in defaults, reconcile policies as before, ``--set`` and the flags)."""
import inspect
from dataclasses import asdict, fields, replace
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from discrep.cli import build_parser, score_settings
from discrep.engines.spark import score_dataframe, score_files_spark
from discrep.engines.stream import StreamConfig
from discrep.errors import ConfigError
from discrep.io.config import ScoreSettings, load_score_settings, settings_from_config
from discrep.stages.align import MIN_ALIGN, align_incident
from discrep.stages.cluster import IncidentClusterer, load_clusterer
from discrep.stages.independence import SourceIndependence
from discrep.stages.reconcile import PolicyError, ReconcilePolicy
from tests.conftest import ROOT

CONF = ROOT / "conf"
STANDALONE = ROOT / "tests" / "fixtures" / "reconcile_standalone"  # conf/reconcile/*.yaml before they inherited
POLICIES = ("conservative", "median", "latest")


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("DISCREP_ROOT", str(ROOT))
    monkeypatch.setenv("DISCREP_HOME", str(tmp_path / "home"))


def _compose(name: str, overrides=()):
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF)):
        return compose(config_name=name, overrides=list(overrides))


def _groups(primary: str) -> list[str]:
    """The config groups of a primary config's defaults list."""
    entries = yaml.safe_load((CONF / f"{primary}.yaml").read_text())["defaults"]
    return [next(iter(e)) for e in entries if isinstance(e, dict)]


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def _cases(primary: str):
    return [(g, o) for g in _groups(primary) for o in _options(g)]


def test_every_config_file_belongs_to_a_composed_group():
    used = {"config.yaml", "score.yaml"} | {f"{g}/{o}.yaml" for p in ("config", "score") for g, o in _cases(p)}
    assert {str(p.relative_to(CONF)) for p in CONF.rglob("*.yaml")} == used
    assert set(_groups("score")) >= {"paths", "tracking", "cluster", "reconcile", "engine"}


# ---------------------------------------------------------------- training: conf/config.yaml
@pytest.mark.parametrize("group,option", _cases("config"))
def test_training_config_composes_with_every_option(group, option):
    from discrep.training.train import build_parts

    cfg = _compose("config", [f"{group}={option}"])
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves
    extractor, embedder, clf = build_parts(cfg)  # cheap: the embedder loads its model lazily
    assert embedder._st is None and clf.featurizer.embedder is embedder
    assert Path(cfg.extract.places_path).exists() and Path(cfg.data.seed_claims).exists()
    assert "cluster" not in cfg  # training clusters nothing; the clusterer is scoring's (conf/score.yaml)


@pytest.mark.parametrize("experiment", _options("experiment"))
def test_experiments_set_what_their_files_say(experiment):
    cfg = _compose("config", [f"experiment={experiment}"])
    assert cfg.experiment_name == experiment
    raw = yaml.safe_load((CONF / "experiment" / f"{experiment}.yaml").read_text())
    for entry in raw.get("defaults", []):
        [(key, option)] = entry.items()
        group = key.removeprefix("override /")
        assert cfg[group] == _compose("config", [f"{group}={option}"])[group], (experiment, group)
    for key in set(raw) - {"defaults", "experiment_name"}:
        assert OmegaConf.to_container(cfg[key]) == _merged(OmegaConf.to_container(_compose("config")[key]), raw[key])


def _merged(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return {**a, **{k: _merged(a.get(k), v) for k, v in b.items()}}
    return b


# ---------------------------------------------------------------- scoring: conf/score.yaml
@pytest.mark.parametrize("group,option", _cases("score"))
def test_score_config_composes_with_every_option(group, option):
    cfg = _compose("score", [f"{group}={option}"])
    OmegaConf.to_container(cfg, resolve=True)
    st = settings_from_config(cfg, CONF)
    assert isinstance(st.clusterer, IncidentClusterer) and isinstance(st.reconcile, ReconcilePolicy)
    if group == "cluster":
        assert st.clusterer.get_params() == load_clusterer(option, CONF).get_params()
    if group == "engine":
        assert st.engine == option  # the engine group picks the engine the CLI runs
    if group == "reconcile":
        assert st.reconcile == ReconcilePolicy.load(option, CONF)  # Hydra's composition == load()'s reading


def test_built_in_defaults_are_the_score_config():
    """Without a conf folder scoring uses built-in defaults: they must be what conf/score.yaml says."""
    st, builtin = load_score_settings(CONF), load_score_settings(search=False)
    assert builtin == ScoreSettings()
    assert (st.engine, st.min_align, st.model, st.tracking_uri) == \
           (builtin.engine, builtin.min_align, builtin.model, builtin.tracking_uri)
    assert StreamConfig(**st.engine_options) == StreamConfig()
    assert {f.name for f in fields(StreamConfig)} - set(st.engine_options) == {"progress"}
    params, default = st.clusterer.get_params(), IncidentClusterer().get_params()
    assert params == default and all(type(params[k]) is type(default[k]) for k in default)  # resume fingerprints
    assert replace(st.reconcile, independence={}) == ReconcilePolicy()
    assert {k: getattr(SourceIndependence(), k) for k in st.reconcile.independence} == st.reconcile.independence
    assert all(v is None for v in st.embedder.values())  # the model's embedder as it is


def test_min_align_has_one_default():
    st = load_score_settings(CONF)
    assert st.min_align == MIN_ALIGN == 0.35
    from discrep.api import DiscrepPipeline

    assert DiscrepPipeline(classifier=object()).min_align == MIN_ALIGN
    assert inspect.signature(align_incident).parameters["min_align"].default == MIN_ALIGN
    assert inspect.signature(score_dataframe).parameters["min_align"].default == MIN_ALIGN
    assert inspect.signature(score_files_spark).parameters["min_align"].default == MIN_ALIGN


def test_spark_engine_file_matches_the_spark_defaults():
    opts = load_score_settings(CONF, ["engine=spark"]).engine_options
    sig = inspect.signature(score_files_spark).parameters
    assert set(opts) <= set(sig) and all(sig[k].default == v for k, v in opts.items())
    assert sig["max_block_claims"].default == inspect.signature(score_dataframe).parameters["max_block_claims"].default
    assert load_score_settings(CONF, ["engine=memory"]).engine_options == {}


# ---------------------------------------------------------------- reconcile: one default, three policies
@pytest.mark.parametrize("name", POLICIES)
def test_policies_are_the_same_as_before_they_inherited(name):
    before = ReconcilePolicy.load(STANDALONE / f"{name}.yaml")  # a user's standalone file still loads
    after = ReconcilePolicy.load(name, CONF)
    assert asdict(after) == asdict(before) and after == before
    assert repr(after) == repr(before)  # order too: run.json and resume fingerprints hold the repr


@pytest.mark.parametrize("name", POLICIES)
def test_policies_differ_from_the_default_only_where_their_files_say(name):
    raw = yaml.safe_load((CONF / "reconcile" / f"{name}.yaml").read_text())
    assert raw["defaults"] == ["default", "_self_"]
    default, pol = asdict(ReconcilePolicy.load("default", CONF)), asdict(ReconcilePolicy.load(name, CONF))
    differ = {k for k in default if default[k] != pol[k]}
    assert "name" in differ and differ <= set(raw) - {"defaults"}
    for k, v in raw.items():
        if isinstance(v, dict) and k != "defaults":  # nested keys not listed keep the default's values
            assert {x for x in default[k] if default[k][x] != pol[k][x]} <= set(v)
    others = [p for p in POLICIES if p != name]
    assert all(asdict(ReconcilePolicy.load(o, CONF)) != pol for o in others)


def test_a_policy_may_inherit_a_packaged_one(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text("defaults: [median]\nname: mine\ngrades: {contest_threshold: 0.8}\n")
    mine, median = ReconcilePolicy.load(p, CONF), ReconcilePolicy.load("median", CONF)
    assert mine.grades.contest_threshold == 0.8 and mine.vague == median.vague and mine.best == "median"
    p.write_text("defaults: [{override /x: y}]\n")
    with pytest.raises(PolicyError, match="names of other policies"):
        ReconcilePolicy.load(p, CONF)
    p.write_text("defaults: [mine]\n")
    with pytest.raises(PolicyError, match="loops"):
        ReconcilePolicy.load(p, CONF)


# ---------------------------------------------------------------- the CLI: --set, --config-dir and flags
def _cli(*argv):
    return score_settings(build_parser().parse_args(["score", "in.jsonl", "--config-dir", str(CONF), *argv]))


def test_set_overrides_land():
    st = _cli("--set", "engine=memory", "--set", "cluster.distance_threshold=1.2", "--set", "reconcile=median",
              "--set", "min_align=0.5", "--set", "embedder.batch_size=16")
    assert (st.engine, st.engine_options, st.clusterer.distance_threshold, st.reconcile.name, st.min_align) == \
           ("memory", {}, 1.2, "median", 0.5)
    assert st.embedder["batch_size"] == 16
    assert _cli("--set", "engine.chunk_size=5").engine_options["chunk_size"] == 5
    assert _cli("--set", "cluster=hdbscan").clusterer.method == "hdbscan"


def test_flags_win_over_the_config():
    st = _cli("--set", "engine=memory", "--engine", "spark", "--spark-master", "local[2]")
    assert st.engine == "spark" and st.engine_options["master"] == "local[2]"
    assert _cli("--engine", "local").engine == "memory"
    assert _cli("--set", "engine.chunk_size=5", "--chunk-size", "7").engine_options["chunk_size"] == 7
    st = _cli("--set", "embedder.batch_size=16", "--batch-size", "8", "--threads", "1", "--model", "m")
    assert (st.embedder["batch_size"], st.embedder["threads"], st.model) == (8, 1, "m")
    assert _cli("--reconcile", "latest").reconcile == ReconcilePolicy.load("latest", CONF)
    assert _cli("--reconcile", str(STANDALONE / "median.yaml")).reconcile == ReconcilePolicy.load("median", CONF)
    with pytest.raises(ConfigError, match="use one"):
        _cli("--reconcile", "median", "--set", "reconcile.best=latest")


def test_bad_config_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="Could not find 'engine/nope'"):
        _cli("--set", "engine=nope")
    with pytest.raises(ConfigError, match="no score.yaml"):
        score_settings(build_parser().parse_args(["score", "x", "--config-dir", str(tmp_path)]))
    with pytest.raises(ConfigError, match="needs a config folder"):
        load_score_settings(overrides=["engine=memory"], search=False)
    with pytest.raises(ConfigError, match="unknown embedder options"):
        _cli("--set", "+embedder.colour=red")


@pytest.mark.parametrize("argv,want", [
    ([], ("files", "stream", StreamConfig())),
    (["--set", "engine=memory"], ("files", "memory", None)),
    (["--set", "engine.unit_claims=10", "--chunk-size", "3"], ("files", "stream", StreamConfig(3, unit_claims=10))),
    (["--set", "engine=spark", "--set", "engine.max_block_claims=100", "--spark-master", "local[2]"],
     ("spark", {"master": "local[2]", "max_block_claims": 100}, None)),
])
def test_the_cli_runs_what_the_config_says(monkeypatch, tmp_path, argv, want):
    from discrep.cli import cmd_score

    calls = []
    done = {"counts": {"articles": 1, "claims": 0, "incidents": 0}, "rejected": 0, "model_uri": "m"}
    monkeypatch.setattr("discrep.engines.files.score_files", lambda *a, **kw: calls.append(("files", kw)) or done)
    monkeypatch.setattr("discrep.engines.spark.score_files_spark", lambda *a, **kw: calls.append(("spark", kw)) or done)
    args = build_parser().parse_args(["score", "in.jsonl", "--config-dir", str(CONF), "--out", str(tmp_path), *argv])
    assert cmd_score(args) == 0
    [(fn, kw)] = calls
    assert kw["min_align"] == MIN_ALIGN and kw["reconcile"] == ReconcilePolicy.load("conservative", CONF)
    assert kw["clusterer"].get_params() == IncidentClusterer().get_params()
    if fn == "files":
        assert (fn, kw["engine"], kw["config"]) == want
    else:
        assert (fn, {k: kw[k] for k in want[1]}) == want[:2]


def test_without_a_conf_folder_the_cli_scores_as_before(monkeypatch, tmp_path):
    """A pip install without conf/: the engines get what they got before score.yaml existed."""
    from discrep.cli import cmd_score
    from discrep.errors import DiscrepError

    def nowhere(*a, **kw):
        raise DiscrepError("no conf")

    calls = []
    done = {"counts": {"articles": 1, "claims": 0, "incidents": 0}, "rejected": 0, "model_uri": "m"}
    monkeypatch.setattr("discrep.io.config.find_conf_dir", nowhere)
    monkeypatch.setattr("discrep.engines.files.score_files", lambda *a, **kw: calls.append(kw) or done)
    assert cmd_score(build_parser().parse_args(["score", "in.jsonl", "--out", str(tmp_path)])) == 0
    [kw] = calls
    assert (kw["engine"], kw["config"], kw["reconcile"], kw["clusterer"], kw["min_align"], kw["model_uri"]) == \
           ("stream", StreamConfig(), None, None, MIN_ALIGN, None)
    assert kw["embedder_options"] == {}
    with pytest.raises(ConfigError, match="needs a config folder"):
        cmd_score(build_parser().parse_args(["score", "in.jsonl", "--set", "engine=memory"]))
