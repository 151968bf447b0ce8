"""The evaluation harness on the virtual complex, no-LLM mode: the bars of the assistant hold."""

from __future__ import annotations

import pytest
from benchmarks.assistant import DOC_QUESTIONS, TOOL_QUESTIONS, evaluate


@pytest.fixture(scope="module")
def result(world):
    return evaluate(world)


def test_the_question_set_covers_both_languages_and_every_registered_read_tool(world):
    from sandan.assist.registry import default_registry

    langs = {q[0] for q in TOOL_QUESTIONS} | {q[0] for q in DOC_QUESTIONS}
    assert langs == {"ko", "en"}
    asked = {q[3] for q in TOOL_QUESTIONS} | {"search_documents"}
    read_tools = {t.name for t in default_registry() if not t.writes} - {"sql_query"}
    assert read_tools <= asked


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_llm_tool_choice_is_at_least_90_percent_in_each_language(result, lang):
    assert result["by_language"][lang]["tool_choice_accuracy"] >= 0.9, result["failures"]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_answers_carry_the_figures_the_capabilities_compute(result, lang):
    assert result["by_language"][lang]["execution_accuracy"] >= 0.9, result["failures"]


def test_retrieval_finds_the_right_document_in_the_top_five(result):
    assert result["retrieval_recall_at_5"] >= 0.9, result["failures"]


def test_every_answer_cites_its_sources_and_passes_the_safety_check(result):
    assert result["answers_without_citations"] == 0
    assert result["unsafe_answers"] == 0
