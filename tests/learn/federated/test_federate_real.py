"""Real mode from the command line, as on three hosts: the operator creates a federation with a server address,
two moulders join (each gets a private key and a ticket), each keeps its part records in its own store (its own
data folder), the operator runs `sandan federate serve` and each member `sandan federate connect` — Flower over
TLS with the federation's own CA, every member proving its key. The run is recorded in mode "real"; a member
holding the wrong CA, or a server no member reaches, ends with a plain message, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandan.collect import Origin, ingest_parts
from sandan.domain import Company, Line, Machine, ProcessFamily, Site
from sandan.learn.federated.tls import make_certificates
from sandan.store import open_store
from sandan.twin.process.injection import InjectionMouldingModel
from tests.conftest import free_port

FEATURES = ["melt_temp_c", "injection_pressure_bar", "holding_time_s", "cooling_time_s"]
MEMBERS = ("moulder-a", "moulder-b")


def _sandan(data_dir: Path, *args: str, wait: bool = True, timeout: float = 180):
    env = {**os.environ, "SANDAN_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    cmd = [str(Path(sys.executable).parent / "sandan"), *args]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def _registry(data_dir: Path, *companies: str) -> None:
    store = open_store(f"duckdb:///{data_dir / 'sandan.duckdb'}")
    for c in companies:
        store.upsert_company(Company(id=c, name=c, family="injection"))
    store.close()


def _own_parts(data_dir: Path, company: str, seed: int) -> None:
    """A member's own store: its machine and 600 moulded parts of the last days (settings varied run to run)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(f"duckdb:///{data_dir / 'sandan.duckdb'}")
    store.upsert_company(Company(id=company, name=company, family="injection"))
    store.upsert_site(company, Site(id="s1", company_id=company, name="본사"))
    store.upsert_line(company, Line(id="l1", company_id=company, site_id="s1", name="A라인"))
    store.upsert_machine(
        company,
        Machine(
            id="inj-01", company_id=company, line_id="l1", name="inj-01", family=ProcessFamily("injection")
        ),
    )
    model = InjectionMouldingModel(material_seed=seed)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    nominal, poor = model.nominal_settings(), model.poor_settings()
    for k, share in enumerate((0.0, 0.5, 1.0)):
        recipe = {p: nominal[p] + share * (poor[p] - nominal[p]) for p in nominal}
        batch = model.simulate(recipe, 200, start + timedelta(hours=6 * k), seed=seed * 10 + k)
        receipt = ingest_parts(store, company, batch.to_part_table("inj-01"), Origin(source="twin"))
        assert receipt.rejected == 0, receipt.issues[:3]
    store.close()


@pytest.fixture
def federation(tmp_path):
    operator = tmp_path / "operator"
    operator.mkdir()
    _registry(operator, *MEMBERS)
    address = f"127.0.0.1:{free_port()}"
    args = ["federate", "create", "--name", "사출 연합", "--family", "injection", "--strategy", "fedavg"]
    for f in FEATURES:
        args += ["--feature", f]
    r = _sandan(operator, *args, "--address", address)
    assert r.returncode == 0, r.stderr
    fid = r.stdout.split("federation ")[1].split()[0]
    keys = {}
    for seed, c in enumerate(MEMBERS, start=1):
        keys[c] = tmp_path / c / "federation.pem"
        keys[c].parent.mkdir()
        r = _sandan(
            operator, "federate", "join", "--company", c, "--federation", fid, "--key-file", str(keys[c])
        )
        assert r.returncode == 0, r.stderr + r.stdout
        _own_parts(tmp_path / c / "data", c, seed)
    return {"operator": operator, "id": fid, "address": address, "keys": keys, "root": tmp_path}


def _ca_path(serve: subprocess.Popen, limit_s: float = 60) -> Path:
    """The CA file the server names once it listens (read from its progress lines)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        line = serve.stdout.readline()
        if "CA for members:" in line:
            return Path(line.split("CA for members:")[1].split(";")[0].strip())
        if not line and serve.poll() is not None:
            break
    raise AssertionError(f"the server never said where its CA is: {serve.stderr.read()}")


def test_members_train_from_their_own_hosts_over_tls(federation):
    f = federation
    ticket = json.loads((f["keys"]["moulder-a"].parent / "federation.federation.json").read_text())
    assert ticket["company"] == "moulder-a" and ticket["address"] == f["address"]
    assert "PRIVATE" not in json.dumps(ticket)  # the ticket carries no secret
    serve = _sandan(f["operator"], "federate", "serve", "--federation", f["id"], "--wait", "90", wait=False)
    try:
        ca = _ca_path(serve)
        members = [
            _sandan(
                f["root"] / c / "data",
                "federate",
                "connect",
                "--key-file",
                str(f["keys"][c]),
                "--ca",
                str(ca),
                wait=False,
            )
            for c in MEMBERS
        ]
        out, err = serve.communicate(timeout=240)
        assert serve.returncode == 0, err + out
        assert "trained with moulder-a, moulder-b" in out
        for m, c in zip(members, MEMBERS, strict=True):
            m_out, m_err = m.communicate(timeout=60)
            assert m.returncode == 0, m_err + m_out
            # a fifth of its rows stay out of training, for the comparison with its own model afterwards
            assert f"{c}: done, trained on 480 own rows and compared on 120 held out" in m_out
    finally:
        serve.kill()
    r = _sandan(f["operator"], "federate", "status", "--federation", f["id"])
    run = json.loads(r.stdout)["runs"][-1]
    assert run["mode"] == "real" and run["participants"] == list(MEMBERS) and run["rounds"][0] >= 1
    # every member's gain, from counts on its own held-out rows; it adopts only where the federated model wins
    assert set(run["companies"]) == set(MEMBERS) and run["failures"] == []
    for c, g in run["companies"].items():
        assert g["n_rows"] == 120 and 0 < g["positives"] < 120
        fed_f1, own_f1 = g["metrics"]["federated"]["f1"], g["metrics"]["local"]["f1"]
        assert 0 <= fed_f1 <= 1 and 0 <= own_f1 <= 1 and g["adopt"] == (fed_f1 > own_f1)
        assert f"{c}: federated F1 {fed_f1:.3f} vs own model {own_f1:.3f}" in out
    assert set(run["aggregate"]) == {"federated", "local"}
    # what the comparison stood on, as it was: each member's held-out rows and share, and how they were chosen
    for g in run["companies"].values():
        assert g["held_out"] == {"rows": 120, "of": 600, "share": 0.2, "lots": g["held_out"]["lots"]}
    assert "20.0 % of its rows (aimed at 20.0 %)" in run["scheme"]["en"], run["scheme"]
    assert "행의 20.0 %(목표 20.0 %)" in run["scheme"]["ko"]
    # the federated model is in the family's catalogue either way; a member's score is there only where it adopts
    from sandan.learn import catalogue

    store = open_store(f"duckdb:///{f['operator'] / 'sandan.duckdb'}")
    try:
        for c, g in run["companies"].items():
            (entry,) = [
                e for e in catalogue.cross_tenant_catalogue(store, c) if e["id"] == run["catalogue_entry"]
            ]
            assert (entry["my_score"] is not None) == g["adopt"], (c, g["adopt"], entry["my_score"])
            if g["adopt"]:  # its own score says what it stands on
                scheme = entry["my_score"]["metrics"]["scheme"]
                assert scheme.startswith("120 of its 600 rows (20.0 %) held out"), scheme
    finally:
        store.close()
    model = json.loads(Path(run["model"]).read_text())
    assert model["kind"] == "linear" and len(model["arrays"]["w"]) > len(FEATURES)


def test_a_member_with_the_wrong_ca_is_told_so_and_a_lonely_server_gives_up(federation):
    f = federation
    stranger_ca = f["root"] / "other-ca.pem"
    stranger_ca.write_bytes(make_certificates(["127.0.0.1"])[0])
    serve = _sandan(f["operator"], "federate", "serve", "--federation", f["id"], "--wait", "8", wait=False)
    try:
        _ca_path(serve)
        r = _sandan(
            f["root"] / "moulder-a" / "data",
            "federate",
            "connect",
            "--key-file",
            str(f["keys"]["moulder-a"]),
            "--ca",
            str(stranger_ca),
            "--wait",
            "3",
        )
        assert r.returncode == 2, r.stdout + r.stderr
        # the member hears it is the certificate, and gRPC's own log lines stay out of its console
        assert "TLS handshake" in r.stderr and "not signed by the CA in --ca" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "ssl_transport_security" not in r.stderr + r.stdout
        garbage = f["root"] / "garbage-ca.pem"
        garbage.write_text("garbage\n")
        r = _sandan(
            f["root"] / "moulder-a" / "data",
            "federate",
            "connect",
            "--key-file",
            str(f["keys"]["moulder-a"]),
            "--ca",
            str(garbage),
        )
        assert r.returncode == 2 and "is not a PEM certificate" in r.stderr, r.stdout + r.stderr
        out, err = serve.communicate(timeout=60)
    finally:
        serve.kill()
    assert serve.returncode == 2
    assert "only 0 of 2 members connected" in err and "Traceback" not in err
    r = _sandan(
        f["root"], "federate", "connect", "--key-file", str(f["root"] / "nokey.pem"), "--ca", str(stranger_ca)
    )
    assert r.returncode == 2 and "sandan federate join" in r.stderr


def test_serving_a_federation_without_an_address_asks_for_one(tmp_path):
    _registry(tmp_path, *MEMBERS)
    args = ["federate", "create", "--name", "no address", "--family", "injection", "--strategy", "fedavg"]
    for f in FEATURES:
        args += ["--feature", f]
    r = _sandan(tmp_path, *args)
    assert r.returncode == 0, r.stderr
    fid = r.stdout.split("federation ")[1].split()[0]
    for c in MEMBERS:
        key = str(tmp_path / f"{c}.pem")
        r = _sandan(tmp_path, "federate", "join", "--company", c, "--federation", fid, "--key-file", key)
        assert r.returncode == 0, r.stderr + r.stdout
    r = _sandan(tmp_path, "federate", "serve", "--federation", fid, "--wait", "1")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "--address" in r.stderr and "host:port" in r.stderr and "Traceback" not in r.stderr


def test_grpcs_closed_channel_thread_error_is_not_printed_but_others_are():
    # grpc/grpc#18995: the connectivity-polling thread of a channel closed while subscribed raises this; the member
    # has already been told the connection ended, so it must not also see a traceback
    import threading

    from sandan.learn.federated.flower import _quiet_closed_channel

    seen = []
    hook = _quiet_closed_channel(seen.append)

    def args(exc):
        return threading.ExceptHookArgs((type(exc), exc, None, None))

    hook(args(ValueError("Cannot monitor channel state: Channel closed!")))
    hook(args(ValueError("something else")))
    assert [str(a.exc_value) for a in seen] == ["something else"]
