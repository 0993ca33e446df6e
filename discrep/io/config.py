"""``discrep score``'s settings: ``conf/score.yaml`` composed with Hydra's compose API, turned into the plain
objects the engines take (a clusterer, a reconcile policy, ``min_align``, the engine's name and options).

``discrep score`` stays a plain CLI (shell globs and ``--flags`` do not fit Hydra's grammar); Hydra composes its
config all the same, from the groups training shares (paths, tracking) and its own (cluster, reconcile,
engine), so ``--set engine=memory --set cluster.distance_threshold=1.2`` works as ``discrep train``'s
overrides do. Without a config folder (a pip install without ``conf/``) the built-in defaults apply, and
they are the very values of ``conf/score.yaml`` (tests/unit/test_configs.py keeps them equal).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from discrep.errors import ConfigError, DiscrepError
from discrep.model.embedder import configure_embedder
from discrep.resources import find_conf_dir
from discrep.stages.align import MIN_ALIGN
from discrep.stages.reconcile import ReconcilePolicy

SCORE_CONFIG = "score.yaml"
ENGINES = ("stream", "memory", "spark")  # the files of conf/engine/ (the CLI maps --engine local to memory)
EMBEDDER_OPTIONS = tuple(p for p in inspect.signature(configure_embedder).parameters if p != "embedder")


@dataclass
class ScoreSettings:
    """What one scoring run is configured with. None means "the engine's or the model's own default"."""

    engine: str = "stream"
    engine_options: dict[str, Any] = field(default_factory=dict)  # the engine file's keys but ``name``
    clusterer: Any = None  # an IncidentClusterer (or any estimator with its interface); None: the default one
    reconcile: ReconcilePolicy | None = None  # None: the built-in conservative policy
    min_align: float = MIN_ALIGN
    embedder: dict[str, Any] = field(default_factory=dict)  # configure_embedder options; None values leave them
    model: str | None = None
    tracking_uri: str | None = None
    conf_dir: Path | None = None  # where score.yaml came from; None: built-in defaults
    config: Any = None  # the composed DictConfig (None without a config folder)


def score_conf_dir(explicit: str | Path | None = None) -> Path | None:
    """The folder holding score.yaml: ``explicit`` (an error if it has none), else :func:`find_conf_dir`'s
    search; None where there is none."""
    if explicit is not None:
        p = Path(explicit)
        if not (p / SCORE_CONFIG).exists():
            raise ConfigError(f"no {SCORE_CONFIG} in the config folder {p}")
        return p.resolve()
    try:
        return find_conf_dir(primary=SCORE_CONFIG)
    except DiscrepError:
        return None


def compose_score_config(conf_dir: str | Path, overrides: list[str] | tuple[str, ...] = ()):
    """``score.yaml`` of ``conf_dir`` composed with Hydra overrides (``key=value``, ``group=option``)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if GlobalHydra.instance().is_initialized():
        raise ConfigError("Hydra is already initialised in this process (inside a Hydra app or compose "
                          "context): compose score.yaml there, or call GlobalHydra.instance().clear() first")
    try:
        with initialize_config_dir(version_base="1.3", config_dir=str(Path(conf_dir).resolve()), job_name="score"):
            return compose(config_name=Path(SCORE_CONFIG).stem, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as e:
        raise ConfigError(f"cannot compose {Path(conf_dir) / SCORE_CONFIG}: {e}") from None


def settings_from_config(cfg, conf_dir: Path | None = None) -> ScoreSettings:
    """The objects a composed score config describes. Only the nodes used are resolved (``paths`` needs
    $DISCREP_ROOT and $DISCREP_HOME, which the CLI sets)."""
    from hydra.errors import HydraException
    from hydra.utils import instantiate
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        engine = dict(OmegaConf.to_container(cfg.engine, resolve=True) or {})
        name = engine.pop("name", None)
        if name not in ENGINES:
            raise ConfigError(f"engine.name must be one of {', '.join(ENGINES)}, got {name!r}")
        emb = dict(OmegaConf.to_container(cfg.embedder, resolve=True) or {}) if "embedder" in cfg else {}
        bad = set(emb) - set(EMBEDDER_OPTIONS)
        if bad:
            raise ConfigError(f"unknown embedder options {sorted(bad)} (known: {', '.join(EMBEDDER_OPTIONS)})")
        policy = ReconcilePolicy.from_dict(OmegaConf.to_container(cfg.reconcile, resolve=True),
                                           name=None) if "reconcile" in cfg else None
        clusterer = instantiate(cfg.cluster, _convert_="all") if "cluster" in cfg else None
        tracking = cfg.tracking.uri if "tracking" in cfg else None
        return ScoreSettings(engine=name, engine_options=engine, clusterer=clusterer, reconcile=policy,
                             min_align=float(cfg.get("min_align", MIN_ALIGN)), embedder=emb,
                             model=cfg.get("model"), tracking_uri=tracking, conf_dir=conf_dir, config=cfg)
    except (HydraException, OmegaConfBaseException) as e:
        raise ConfigError(f"score config: {e}") from None


def load_score_settings(conf_dir: str | Path | None = None, overrides: list[str] | tuple[str, ...] = (),
                        search: bool = True) -> ScoreSettings:
    """Compose score.yaml (``conf_dir``, else the usual search when ``search``) with ``overrides``; without a
    config folder, the built-in defaults (overrides then need one and are refused)."""
    where = score_conf_dir(conf_dir) if (conf_dir is not None or search) else None
    if where is None:
        if overrides:
            raise ConfigError(f"--set needs a config folder with {SCORE_CONFIG} (--config-dir DIR or "
                              f"$DISCREP_CONF); none was found")
        return ScoreSettings()
    return settings_from_config(compose_score_config(where, overrides), where)
