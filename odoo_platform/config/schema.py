"""The JSON Schema of the stack configuration, for editors and CI."""

from __future__ import annotations

import json
from typing import Any

from odoo_platform.config.models import PlatformConfig


def json_schema() -> dict[str, Any]:
    schema = PlatformConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "odoo-platform:platform"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
