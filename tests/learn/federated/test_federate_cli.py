"""`sandan federate`: the operator creates a federation, a company of its family joins with a fresh key (the
private key stays in its file), status shows the members to the operator; a company of another family is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sandan.domain import Company
from sandan.store import open_store


def _cli(data_dir, *args):
    env = {**os.environ, "SANDAN_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "sandan"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_create_join_status(tmp_path):
    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    store.upsert_company(Company(id="moulder", name="Moulder", family="injection"))
    store.upsert_company(Company(id="smith", name="Smith", family="forging"))
    store.close()
    r = _cli(
        tmp_path, "federate", "create", "--name", "사출", "--family", "injection", "--feature", "melt_temp_c"
    )
    assert r.returncode == 0, r.stderr
    fid = r.stdout.split("federation ")[1].split()[0]
    key = tmp_path / "moulder.pem"
    r = _cli(
        tmp_path, "federate", "join", "--company", "moulder", "--federation", fid, "--key-file", str(key)
    )
    assert r.returncode == 0, r.stderr + r.stdout
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY")
    r = _cli(
        tmp_path,
        "federate",
        "join",
        "--company",
        "smith",
        "--federation",
        fid,
        "--key-file",
        str(tmp_path / "s.pem"),
    )
    assert r.returncode == 2 and "forging" in r.stderr
    assert not list(tmp_path.glob("s.pem*"))  # a refused join keeps no key
    # a key that cannot be kept is refused before joining (the membership stayed and its private key was lost)
    r = _cli(
        tmp_path,
        "federate",
        "join",
        "--company",
        "moulder",
        "--federation",
        fid,
        "--key-file",
        "/nonexistent/k.pem",
    )
    assert (
        r.returncode == 2
        and "/nonexistent/k.pem does not exist (or its folder" in r.stderr
        and "Traceback" not in r.stderr
    )
    r = _cli(tmp_path, "federate", "status", "--federation", fid)
    assert r.returncode == 0, r.stderr
    assert list(json.loads(r.stdout)["members"]) == ["moulder"]
    # joining again makes a new key: said so (it read as a first join, the old key file silently dead)
    again = tmp_path / "moulder-2.pem"
    r = _cli(
        tmp_path, "federate", "join", "--company", "moulder", "--federation", fid, "--key-file", str(again)
    )
    assert r.returncode == 0, r.stderr + r.stdout
    assert "was already a member" in r.stdout and "이전 키 파일로는 더 이상 접속할 수 없습니다" in r.stdout
    # joins from the console are in the company's audit log as the API's are (only the API's were)
    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        actions = [a["action"] for a in store.list_audit("moulder") if a["target"] == fid]
    assert sorted(actions) == ["federation.join", "federation.rekey"]


def test_a_federation_for_an_unknown_family_is_refused_with_the_families_named(tmp_path):
    r = _cli(
        tmp_path, "federate", "create", "--name", "용접", "--family", "welding", "--feature", "current_a"
    )
    assert r.returncode == 2 and "welding" in r.stderr and "injection" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
