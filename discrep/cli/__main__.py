"""``python -m discrep.cli``: the ``discrep`` command."""
from discrep.cli import main

raise SystemExit(main())
