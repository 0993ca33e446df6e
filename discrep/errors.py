"""The project's own documented errors: callers catch these, never a bare library traceback.

Every error discrep raises on purpose is a :class:`DiscrepError`; the CLI turns one into a one-line
message and exit code 2. Readers never raise for a bad record: they yield a ``Reject`` instead.
"""


class DiscrepError(Exception):
    """Base class of every error discrep raises on purpose."""


class InputError(DiscrepError):
    """An input file or record cannot be used (the message says which and why)."""


class ModelLoadError(DiscrepError):
    """A model URI or file cannot be loaded (missing, corrupt, untrusted types)."""


class UntrustedModelError(ModelLoadError):
    """A model file names types that could run code on load; refused unless trusted explicitly."""


class ChecksumError(ModelLoadError):
    """Bundled model weights do not match the recorded checksum (corrupt or tampered)."""


class NoModelError(ModelLoadError):
    """No model was given and none is registered in the tracking store."""


class TrackingError(DiscrepError):
    """The MLflow tracking store cannot be reached or used."""


class ConfigError(DiscrepError):
    """A config folder, config file or ``--set`` override cannot be composed (the message says which)."""


class ExtractionTimeout(DiscrepError):
    """Claim extraction of one article ran past its time budget (the article is rejected, the run goes on)."""


class OutputError(DiscrepError):
    """An output folder or file cannot be written (not a folder, read-only, disk full), or a run's files
    are not what it wrote (changed by another process during the run)."""


class LockError(DiscrepError):
    """Another discrep run holds the output folder or the incident store (the message names its pid)."""
