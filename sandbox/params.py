"""Bot API request parameters: query string, JSON, urlencoded and multipart bodies alike."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.errors import bad_request


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to request parameters; form values arrive as (JSON-encoded) strings."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.files = files or {}

    def raw(self, name: str) -> Any:
        """Return the parameter as received (``None`` if absent)."""
        return self.values.get(name)

    def get_str(self, name: str) -> str | None:
        """Return the parameter as a string."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)

    def get_int(self, name: str, error: str | None = None) -> int | None:
        """Return the parameter as an int; raise ``Bad Request: <error>`` if invalid."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(error or f"invalid {name} specified") from None

    def get_float(self, name: str) -> float | None:
        """Return the parameter as a float (``None`` if absent or invalid)."""
        value = self.values.get(name)
        try:
            return float(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def get_bool(self, name: str) -> bool:
        """Return the parameter as a bool (absent is False)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def get_json(self, name: str) -> Any:
        """Return a JSON-valued parameter decoded (strings are parsed, objects kept)."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def get_file(self, name: str) -> Upload | None:
        """Return an uploaded file part."""
        return self.files.get(name)


async def read_params(request: web.Request) -> Params:
    """Collect parameters from the query string and any supported body."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if not request.body_exists:
        return Params(values, files)
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if isinstance(body, dict):
            values.update(body)
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = Upload(value.filename, value.content_type, value.file.read())
            else:
                values[key] = value
    return Params(values, files)
