"""The chat backend: any OpenAI-compatible chat-completions server with tool calling, through the openai SDK.

It streams text and collects tool calls; it never runs a tool and never decides a fallback (the assistant does).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sandan.settings import Settings


class LlmUnavailable(Exception):
    """The server could not be used: `kind` is unreachable | timeout | error | bad_reply (an answer that is not a
    streamed chat completion, or one with neither text nor a tool call)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass
class ToolCallText:
    id: str
    name: str
    arguments: str  # raw JSON text as the model sent it


@dataclass
class Turn:
    content: str = ""
    tool_calls: list[ToolCallText] = field(default_factory=list)


class ChatBackend:
    """One configured server: `SANDAN_LLM_BASE_URL`, `SANDAN_LLM_MODEL`, `SANDAN_LLM_API_KEY`."""

    def __init__(
        self, base_url: str, model: str, api_key: str = "", timeout_s: float = 60.0, max_retries: int = 2
    ):
        from openai import OpenAI

        self.model = model
        self.base_url = base_url
        self.client = OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=max_retries
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatBackend | None:
        if not settings.llm_base_url or not settings.llm_model:
            return None
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            settings.llm_api_key,
            settings.llm_timeout_s,
            settings.llm_max_retries,
        )

    def stream(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Iterator[str | Turn]:
        """Yields text pieces as they arrive, then the whole `Turn` (text and tool calls) last. A reply that cannot be
        read as one, or that holds neither text nor a tool call, raises `LlmUnavailable` ("bad_reply")."""
        import openai

        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                tools=tools or openai.NOT_GIVEN,
                stream=True,
                temperature=0,
            )
            turn = Turn()
            calls: dict[int, dict[str, str]] = {}
            for chunk in response:
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta
                if delta is None:
                    continue
                if delta.content:
                    turn.content += delta.content
                    yield delta.content
                for tc in delta.tool_calls or []:
                    slot = calls.setdefault(tc.index or 0, {"id": "", "name": "", "arguments": ""})
                    if tc.id:
                        slot["id"] = tc.id
                    if tc.function is not None:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
        except openai.APITimeoutError as exc:
            raise LlmUnavailable("timeout", str(exc)) from exc
        except openai.APIConnectionError as exc:
            raise LlmUnavailable("unreachable", str(exc)) from exc
        except openai.APIError as exc:
            raise LlmUnavailable("error", str(exc)) from exc
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            # a chunk that is not JSON, or JSON of another shape ("choices": "x", a number for the text)
            raise LlmUnavailable(
                "bad_reply", f"the reply could not be read: {type(exc).__name__}: {exc}"
            ) from exc
        turn.tool_calls = [
            ToolCallText(c["id"] or f"call_{i}", c["name"], c["arguments"]) for i, c in sorted(calls.items())
        ]
        if not turn.content.strip() and not turn.tool_calls:
            # a plain body, a non-streamed completion sent to a streaming request, or only empty `choices`: the SDK
            # reads none of them as a chunk, which looked like a model answering with nothing
            raise LlmUnavailable("bad_reply", "the reply held no text and no tool call")
        yield turn
