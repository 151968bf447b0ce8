"""Federated training across companies of one process family: each company's rows stay with it; only model
updates (stripped trees, averaged weights), summed counts and — for `HistBoost`, the default tree strategy —
gradient histograms the server sees only summed (SecAgg+) cross. Simulation runs every client in one process;
real mode runs them over Flower's gRPC transport with TLS and node authentication (`flower.py`).
"""

from sandan.learn.federated.client import CompanyClient, Schema
from sandan.learn.federated.evaluation import CompanyGain, Comparison, compare
from sandan.learn.federated.histboost import HistBoost
from sandan.learn.federated.privacy import DPConfig, epsilon
from sandan.learn.federated.protocol import FederationFailed, Payload
from sandan.learn.federated.simulation import InProcessTransport, injection_federation, split_non_iid
from sandan.learn.federated.strategies import FedAvg, FederatedModel, FedProx, TreeBagging

__all__ = [
    "CompanyClient",
    "Schema",
    "Comparison",
    "CompanyGain",
    "compare",
    "DPConfig",
    "epsilon",
    "FederationFailed",
    "Payload",
    "InProcessTransport",
    "injection_federation",
    "split_non_iid",
    "FedAvg",
    "FedProx",
    "FederatedModel",
    "HistBoost",
    "TreeBagging",
]
