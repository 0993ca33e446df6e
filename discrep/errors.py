"""The project's own documented errors: callers catch these, never a bare library traceback."""


class DiscrepError(Exception):
    """Base class of every error discrep raises on purpose."""


class InputError(DiscrepError):
    """An input file or record cannot be used (the message says which and why)."""


class ModelLoadError(DiscrepError):
    """A model URI or file cannot be loaded (missing, corrupt, untrusted types)."""


class NoModelError(ModelLoadError):
    """No model was given and none is registered in the tracking store."""


class TrackingError(DiscrepError):
    """The MLflow tracking store cannot be reached or used."""
