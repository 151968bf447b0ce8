"""Fixtures for the learn tests: the demo companies' history and a trained publisher model (tests/learn/demo_plant.py)."""

from tests.learn.demo_plant import demo_template, plant, trained  # noqa: F401
