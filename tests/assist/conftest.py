"""Fixtures for the assistant tests: the virtual complex with a few hours of history and the fixture documents,
built once per session, and a scripted OpenAI-compatible server on loopback."""

from __future__ import annotations

import pytest
from benchmarks.assistant import build_world

from tests.assist.scripted_llm import ScriptedServer


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    w = build_world(tmp_path_factory.mktemp("assist"), hours=6)
    yield w
    w.store.close()


@pytest.fixture
def llm():
    server = ScriptedServer().start()
    yield server
    server.stop()
