"""The init/upgrade Job's steps after db-state.sh, run for real with `sh`.

- odoo-init.sh acts on the decision db-state.sh wrote from the real PostgreSQL. Odoo itself is
  not installed here: `ODOO_BIN` points at a recorder that logs its argv and the Python piped into
  `odoo shell`, which is what decides whether the admin password is set.
- scale-workloads.sh talks to a local HTTP server that answers the `deployments/scale` subresource
  the way the API server does (200 with a Scale, 404 for a missing Deployment, 403 otherwise) and
  counts replicas down as a Deployment controller would.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from odoo_platform.odoo import scripts
from tests.odoo.test_db_state import PASSWORD, database, odoo_schema  # noqa: F401 (fixture)
from tests.servers import PostgresServer, script_env

pytestmark = pytest.mark.servers

RECORDER = """#!/bin/sh
# stands in for /usr/bin/odoo: records the call, and what `odoo shell` is given on stdin
{ printf 'argv:'; printf ' %s' "$@"; printf '\\n'; } >>"$LOG"
if [ "$1" = shell ]; then
  { echo '--- stdin'; cat; echo '--- end'; } >>"$LOG"
fi
[ -z "${ODOO_ADMIN_LOGIN_PASSWORD:-}" ] || echo 'env: password set' >>"$LOG"
"""


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir()
    for name, text in scripts.scripts().items():
        (folder / name).write_text(text)
    return folder


def init_env(folder: Path, addons: str = "project", login: str = "") -> Path:
    path = folder / "init.env"
    path.write_text(
        "SITE_URL='https://acme.example.com'\n"
        "REPORT_URL='http://odoo.odoo-acme.svc:8069'\n"
        f"ADDONS='{addons}'\nADMIN_LOGIN='{login}'\n"
    )
    return path


def run_job(
    pg: PostgresServer, tool_path: str, shipped: Path, work: Path, db: str, **env: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    """db-state.sh then odoo-init.sh, as the Job's containers run them; the recorder's log."""
    recorder = work / "odoo"
    recorder.write_text(RECORDER)
    recorder.chmod(0o755)
    log = work / "odoo.log"
    base = {
        **pg.libpq_env(db, PASSWORD, db),
        "WORK_DIR": str(work),
        "ODOO_RC": "/run/odoo/odoo.conf",
        "INIT_ENV": str(init_env(work, login="partner@acme.example.com")),
        "ODOO_BIN": str(recorder),
        "ODOO_ADMIN_LOGIN_PASSWORD": "generated-Secret-1",
        "LOG": str(log),
    }
    for script in ("db-state.sh", "odoo-init.sh"):
        result = subprocess.run(
            ["sh", str(shipped / script)],
            env=script_env(tool_path, **{**base, **env}),
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if result.returncode:
            break
    return result, log.read_text() if log.exists() else ""


def test_first_install_sets_the_generated_admin_password(
    pg: PostgresServer,
    tool_path: str,
    shipped: Path,
    tmp_path: Path,
    database: str,  # noqa: F811
) -> None:
    result, log = run_job(pg, tool_path, shipped, tmp_path, database)
    assert result.returncode == 0, result.stderr
    calls = [line for line in log.splitlines() if line.startswith("argv:")]
    assert calls[0] == (
        f"argv: -c /run/odoo/odoo.conf -d {database} --no-http --stop-after-init -i base,project"
    )
    assert 'env.ref("base.user_admin")' in log and "admin.write(values)" in log
    # the first-install marker db-state.sh left is dropped in the password's transaction
    assert f"DROP TABLE IF EXISTS public.{scripts.FIRST_INSTALL_MARKER}" in log
    assert "ODOO_ADMIN_LOGIN_PASSWORD" in log and "generated-Secret-1" not in log
    assert calls[1:] == [f"argv: shell -c /run/odoo/odoo.conf -d {database} --no-http"] * 2
    assert "report.url" in log


def test_upgrade_never_touches_the_admin_password(
    pg: PostgresServer,
    tool_path: str,
    shipped: Path,
    tmp_path: Path,
    database: str,  # noqa: F811
) -> None:
    odoo_schema(pg, database, "installed")
    result, log = run_job(pg, tool_path, shipped, tmp_path, database)
    assert result.returncode == 0, result.stderr
    calls = [line for line in log.splitlines() if line.startswith("argv:")]
    assert calls[0].endswith("--stop-after-init -u all -i project")
    assert "user_admin" not in log and "password" not in log.replace("env: password set", "")


def test_a_database_that_cannot_be_read_runs_no_odoo(
    pg: PostgresServer,
    tool_path: str,
    shipped: Path,
    tmp_path: Path,
    database: str,  # noqa: F811
) -> None:
    result, log = run_job(pg, tool_path, shipped, tmp_path, database, PGPASSWORD="wrong")
    assert result.returncode != 0 and "db-state: FAILED" in result.stderr
    assert log == ""
    alone = subprocess.run(
        ["sh", str(shipped / "odoo-init.sh")],
        env=script_env(
            tool_path, PGDATABASE=database, WORK_DIR=str(tmp_path), ODOO_RC="x",
            INIT_ENV=str(init_env(tmp_path)), ODOO_BIN="/bin/false",
        ),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert alone.returncode != 0 and "left no decision" in alone.stderr


# -- scale-workloads.sh ---------------------------------------------------------------------------


class FakeScaleApi(http.server.BaseHTTPRequestHandler):
    """`/apis/apps/v1/namespaces/<ns>/deployments/<name>/scale` for the allowed names only."""

    deployments: dict[str, int]
    allowed: set[str]
    calls: list[tuple[str, str, Any]]
    token: str = "projected-token"
    # KEDA, as its scale executor acts (kedacore/keda pkg/scaling/executor/
    # scale_scaledobjects.go): unpaused, a target below `minReplicaCount` goes back up to it;
    # paused (`autoscaling.keda.sh/paused-replicas`), it is held at that count.
    scaled_objects: dict[str, dict[str, Any]] = {}

    def _keda(self) -> None:
        for name, scaler in self.scaled_objects.items():
            paused = scaler["annotations"].get("autoscaling.keda.sh/paused-replicas")
            if name not in self.deployments:
                continue
            if paused is not None:
                self.deployments[name] = int(paused)
            elif self.deployments[name] < scaler["min"]:
                self.deployments[name] = scaler["min"]

    def _reply(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _target(self) -> str | None:
        parts = self.path.strip("/").split("/")
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            self._reply(401, {"kind": "Status", "code": 401})
            return None
        if (
            parts[:4] != ["apis", "apps", "v1", "namespaces"]
            or parts[5:] != ["deployments", parts[6], "scale"]
            or parts[6] not in self.allowed
        ):
            self._reply(403, {"kind": "Status", "code": 403, "reason": "Forbidden"})
            return None
        if parts[6] not in self.deployments:
            self._reply(404, {"kind": "Status", "code": 404})
            return None
        return parts[6]

    def _scale(self, name: str) -> dict[str, Any]:
        spec = self.deployments[name]
        return {"kind": "Scale", "spec": {"replicas": spec}, "status": {"replicas": spec}}

    def _scaled_object(self) -> bool:
        """A merge patch of a ScaledObject's annotations: True when the path was one."""
        parts = self.path.strip("/").split("/")
        if parts[:4] != ["apis", "keda.sh", "v1alpha1", "namespaces"]:
            return False
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = parts[6]
        if parts[5] != "scaledobjects" or name not in self.allowed:
            self._reply(403, {"kind": "Status", "code": 403, "reason": "Forbidden"})
        elif name not in self.scaled_objects:
            self._reply(404, {"kind": "Status", "code": 404})
        else:
            self.calls.append(("PATCH-SO", name, body))
            annotations = self.scaled_objects[name]["annotations"]
            for key, value in body["metadata"]["annotations"].items():
                if value is None:
                    annotations.pop(key, None)
                else:
                    annotations[key] = value
            self._reply(200, {"kind": "ScaledObject"})
        return True

    def do_GET(self) -> None:
        self._keda()
        name = self._target()
        if name is not None:
            self.calls.append(("GET", name, None))
            self._reply(200, self._scale(name))

    def do_PATCH(self) -> None:
        if self._scaled_object():
            self._keda()
            return
        name = self._target()
        if name is None:
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.headers["Content-Type"] == "application/merge-patch+json"
        self.calls.append(("PATCH", name, body))
        self.deployments[name] = body["spec"]["replicas"]
        self._keda()
        self._reply(200, self._scale(name))

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[tuple[str, type[FakeScaleApi]]]:
    handler = type(
        "Api",
        (FakeScaleApi,),
        {"deployments": {"odoo-web": 3, "odoo-cron": 1}, "allowed": {"odoo-web", "odoo-cron"},
         "calls": [], "scaled_objects": {}},
    )  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()


def scale(
    shipped: Path, work: Path, url: str, targets: str, state: str | None = "upgrade", **env: str
) -> subprocess.CompletedProcess[str]:
    tokens = work / "token-dir"
    tokens.mkdir(exist_ok=True)
    (tokens / "token").write_text(FakeScaleApi.token)
    if state is not None:
        (work / "db-state").write_text(f"{state}\n")
    return subprocess.run(
        ["sh", str(shipped / "scale-workloads.sh")],
        env=script_env(
            os.environ["PATH"], KUBE_API=url, NAMESPACE="odoo-acme", SCALE_TARGETS=targets,
            TOKEN_DIR=str(tokens), WORK_DIR=str(work), DRAIN_SECONDS="0", **env,
        ),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_upgrade_stops_web_and_cron(shipped: Path, tmp_path: Path, api: Any) -> None:
    url, handler = api
    result = scale(shipped, tmp_path, url, "odoo-web=0 odoo-cron=0", WHEN_STATE="upgrade")
    assert result.returncode == 0, result.stderr
    assert handler.deployments == {"odoo-web": 0, "odoo-cron": 0}
    patches = [(name, body) for method, name, body in handler.calls if method == "PATCH"]
    assert patches == [
        ("odoo-web", {"spec": {"replicas": 0}}),
        ("odoo-cron", {"spec": {"replicas": 0}}),
    ]
    assert ("GET", "odoo-web", None) in handler.calls  # waited until none is counted


def test_first_install_stops_nothing(shipped: Path, tmp_path: Path, api: Any) -> None:
    url, handler = api
    result = scale(
        shipped, tmp_path, url, "odoo-web=0 odoo-cron=0", "install", WHEN_STATE="upgrade"
    )
    assert result.returncode == 0, result.stderr
    assert handler.calls == [] and handler.deployments == {"odoo-web": 3, "odoo-cron": 1}


def test_resume_starts_the_upgraded_workloads(shipped: Path, tmp_path: Path, api: Any) -> None:
    url, handler = api
    handler.deployments.update({"odoo-web": 0, "odoo-cron": 0})
    result = scale(shipped, tmp_path, url, "odoo-web=2 odoo-cron=1", state=None)
    assert result.returncode == 0, result.stderr
    assert handler.deployments == {"odoo-web": 2, "odoo-cron": 1}


def test_a_missing_deployment_is_nothing_to_stop(shipped: Path, tmp_path: Path, api: Any) -> None:
    url, handler = api
    del handler.deployments["odoo-cron"]
    result = scale(shipped, tmp_path, url, "odoo-web=0 odoo-cron=0", WHEN_STATE="upgrade")
    assert result.returncode == 0, result.stderr
    assert "odoo-cron does not exist yet" in result.stdout


@pytest.mark.parametrize("problem", ["forbidden", "no-server"])
def test_a_refused_or_failed_call_fails_the_job(
    shipped: Path, tmp_path: Path, api: Any, problem: str
) -> None:
    url, handler = api
    if problem == "no-server":
        url = "http://127.0.0.1:9"
    result = scale(
        shipped, tmp_path, url, "other-app=0" if problem == "forbidden" else "odoo-web=0",
        WHEN_STATE="upgrade",
    )  # fmt: skip
    assert result.returncode != 0 and "scale-workloads: FAILED" in result.stderr
    assert handler.deployments == {"odoo-web": 3, "odoo-cron": 1}


def test_an_upgrade_holds_keda_at_zero_until_the_resume_releases_it(
    shipped: Path, tmp_path: Path, api: Any
) -> None:
    """Without the pause KEDA scales the stopped web straight back to its minimum and the stop
    step waits for zero forever; with it, web and cron stay at zero through the upgrade."""
    url, handler = api
    handler.scaled_objects.update({"odoo-web": {"min": 2, "annotations": {}}})
    result = scale(
        shipped, tmp_path, url, "odoo-web=0 odoo-cron=0", WHEN_STATE="upgrade", KEDA_PAUSE="hold"
    )
    assert result.returncode == 0, result.stderr
    paused = {"autoscaling.keda.sh/paused-replicas": "0"}
    assert handler.scaled_objects["odoo-web"]["annotations"] == paused
    assert "no ScaledObject odoo-cron: nothing to hold" in result.stdout  # cron without one
    handler._keda(handler)  # type: ignore[arg-type]  # KEDA reconciles during the upgrade
    assert handler.deployments == {"odoo-web": 0, "odoo-cron": 0}

    result = scale(shipped, tmp_path, url, "odoo-web=2 odoo-cron=1", None, KEDA_PAUSE="release")
    assert result.returncode == 0, result.stderr
    assert handler.scaled_objects["odoo-web"]["annotations"] == {}
    assert handler.deployments == {"odoo-web": 2, "odoo-cron": 1}


def test_a_paused_tenant_resumes_held_at_its_paused_replicas(
    shipped: Path, tmp_path: Path, api: Any
) -> None:
    url, handler = api
    handler.scaled_objects.update({"odoo-web": {"min": 2, "annotations": {}}})
    result = scale(shipped, tmp_path, url, "odoo-web=1 odoo-cron=0", None, KEDA_PAUSE="hold")
    assert result.returncode == 0, result.stderr
    assert handler.scaled_objects["odoo-web"]["annotations"] == {
        "autoscaling.keda.sh/paused-replicas": "1"
    }
    handler._keda(handler)  # type: ignore[arg-type]
    assert handler.deployments == {"odoo-web": 1, "odoo-cron": 0}
    bad = scale(shipped, tmp_path, url, "odoo-web=1", None, KEDA_PAUSE="stop")
    assert bad.returncode != 0 and "KEDA_PAUSE is 'stop'" in bad.stderr
