"""The type of the JSON the remote APIs answer, kept free of heavy imports so any layer can name it."""

from __future__ import annotations

from typing import Any

# A JSON object as an API answered it: its shape is the remote service's, read key by key, never validated whole.
JsonObject = dict[str, Any]
