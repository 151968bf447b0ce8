"""A model made from a catalogue entry gets a valid model name from the entry: a federation's entry is named for
people ('사출 불량 예측 연합 Injection defect prediction'), and fine-tuning it used to fail on that name."""

from __future__ import annotations

import dataclasses

import pytest

from sandan.learn import catalogue, registry
from sandan.store.base import CatalogueEntry
from tests.learn.demo_plant import NOW, PUBLISHER, START


def _entry(name: str, entry_id: int = 7) -> CatalogueEntry:
    return CatalogueEntry(
        id=entry_id,
        family="injection",
        name=name,
        task="Classifier",
        target="result",
        features=[],
        metrics={},
        artifact="",
    )


def test_the_entry_name_becomes_a_valid_model_name():
    assert (
        catalogue.model_name_for(_entry("사출 불량 예측 연합 Injection defect prediction"))
        == "사출-불량-예측-연합-Injection-defect-prediction"
    )
    assert catalogue.model_name_for(_entry("defects")) == "defects"  # a registry name stays as it was
    assert catalogue.model_name_for(_entry("x..y / z")) == "x.y-z"
    assert catalogue.model_name_for(_entry("  ../  ")) == "catalogue-7"  # nothing usable: by its number
    long = catalogue.model_name_for(_entry("불량 " * 40))
    assert len(long) <= 64 and registry.check_name(long) == long


@pytest.fixture
def published(plant, trained, tmp_path):
    return catalogue.publish_model(plant, PUBLISHER, "defects", 1, data_dir=tmp_path)


def test_fine_tuning_an_entry_named_for_people_registers_it_under_its_slug(plant, published, tmp_path):
    shown = dataclasses.replace(published, id=0, name="사출 불량 예측 Injection defects")
    entry_id = plant.add_catalogue_entry(PUBLISHER, shown, publisher_named=True, published_by=None)
    # on the publisher's own parts, which hold defects enough whatever the clock (the adopter's may not)
    result = catalogue.fine_tune_entry(
        plant, PUBLISHER, entry_id, start=START, end=NOW, budget_s=2, data_dir=tmp_path
    )
    assert result.model.name == "사출-불량-예측-Injection-defects"
    assert result.model.origin == f"catalogue:{entry_id}:fine-tuned"
    assert (
        registry.get_version(plant, PUBLISHER, result.model.name, result.model.version).stage == "candidate"
    )
