"""JSON Schema of the inventory files, for editors (yaml-language-server) and tools."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from netorch.inventory.model import Fabric, Inventory, Site
from netorch.plan.model import FabricPlan

Part = Literal["inventory", "fabric", "site", "plan"]
SCHEMA_URL = "https://netorch.invalid/schemas/{part}.schema.json"


class FabricFile(BaseModel):
    """`fabric.yaml` of the directory form: the fabric, and optionally inline sites."""

    model_config = {"extra": "forbid"}
    fabric: Fabric
    sites: list[Site] = []


_MODELS: dict[str, type[BaseModel]] = {"inventory": Inventory, "fabric": FabricFile,
                                       "site": Site, "plan": FabricPlan}


def schema(part: Part = "inventory") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of inventory file."""
    doc = _MODELS[part].model_json_schema(mode="validation")
    titles = {"inventory": "netorch inventory (single file)",
              "fabric": "netorch fabric.yaml", "site": "netorch site file (sites/*.yaml)",
              "plan": "netorch plan (netorch plan --format json)"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_URL.format(part=part), **doc, "title": titles[part]}


def schema_json(part: Part = "inventory") -> str:
    return json.dumps(schema(part), indent=2, sort_keys=True) + "\n"
