"""The demo complex's federation: its two injection moulders share a defect model. Created with both as members
(each with a fresh key pair; the private halves stay in the data folder, as `sandan federate join` keeps them), so
the demo's federation pages have a federation to train and show. Used by `sandan demo` and its tests."""

from __future__ import annotations

from pathlib import Path

from sandan.domain import ProcessFamily
from sandan.learn.federated import service
from sandan.learn.federated.client import Schema
from sandan.learn.federated.flower import generate_key
from sandan.learn.registry import data_folder
from sandan.store import Store

DEMO_FEDERATION = "사출 불량 예측 연합 Injection defect prediction"


def install_demo_federation(store: Store, data_dir: Path, features: list[str]) -> str | None:
    """The demo federation's id: the one of that name already in `data_dir` (an earlier run's, kept with its
    runs), else a new one over `features` with every injection company of the store as a member; None when the
    store holds fewer than two injection companies."""
    for fed in service.cross_tenant_federations(data_dir=data_dir):
        if fed["name"] == DEMO_FEDERATION:
            return fed["id"]
    moulders = sorted(
        c.id for c in store.cross_tenant_companies() if getattr(c.family, "value", c.family) == "injection"
    )
    if len(moulders) < 2:
        return None
    fed = service.create_federation(
        DEMO_FEDERATION,
        ProcessFamily.injection.value,
        Schema("result", "ng", list(features)),
        data_dir=data_dir,
        store=store,
    )
    keys = data_folder(data_dir) / "federation-keys"
    keys.mkdir(parents=True, exist_ok=True)
    for company in moulders:
        private, public = generate_key()
        key = keys / f"{company}.key"
        key.touch(mode=0o600)
        key.write_bytes(private)
        service.join_federation(store, company, fed["id"], public.decode(), data_dir=data_dir)
    return fed["id"]
