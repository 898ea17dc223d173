"""An app that can't be imported: a dependency is missing."""

import nonexistent_dependency  # noqa: F401

app = None
