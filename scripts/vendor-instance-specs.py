#!/usr/bin/env python3
"""Regenerate odoo_platform/data/instance_specs.json: vCPUs and memory (MiB) of each EC2 type.

Source: Karpenter's generated instance-type reference (the `karpenter.k8s.aws/instance-cpu` and
`instance-memory` labels, i.e. the instance's capacity, which NodePool `limits` count), from
aws/karpenter-provider-aws `website/content/en/<version>/reference/instance-types.md`:
    git --git-dir=<mirror> show <commit>:website/content/en/v1.14/reference/instance-types.md \
        > /tmp/instance-types.md
    python scripts/vendor-instance-specs.py /tmp/instance-types.md v1.14 <commit> \
        > odoo_platform/data/instance_specs.json
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

HEADING = re.compile(r"^### `([a-z0-9.-]+)`$")
LABEL = re.compile(r"^ \|karpenter\.k8s\.aws/instance-(cpu|memory)\|([0-9]+)\|$")


def specs(text: str) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    current: dict[str, int] | None = None
    for line in text.splitlines():
        if heading := HEADING.match(line):
            current = found.setdefault(heading.group(1), {})
        elif current is not None and (label := LABEL.match(line)):
            current["vcpu" if label.group(1) == "cpu" else "memory_mib"] = int(label.group(2))
    return {name: spec for name, spec in sorted(found.items()) if len(spec) == 2}


def main(path: str, version: str, commit: str) -> None:
    data = {
        "source": "aws/karpenter-provider-aws website/content/en/"
        f"{version}/reference/instance-types.md (labels instance-cpu, instance-memory), "
        f"commit {commit}",
        "retrieved": dt.date.today().isoformat(),
        "regenerate": "see scripts/vendor-instance-specs.py",
        "ec2": specs(Path(path).read_text()),
    }
    json.dump(data, sys.stdout, indent=0)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
