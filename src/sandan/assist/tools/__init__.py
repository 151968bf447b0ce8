"""Assistant tools, one module per capability; each module registers its tools with `sandan.assist.registry.tool`.

A module whose capability is not installed raises ImportError on import and is skipped by the registry.
"""
