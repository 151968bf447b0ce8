"""sandan (산단): an open data, AI and digital-twin platform for the factories of an industrial complex.

Capabilities live in sub-packages (see DESIGN.md); this top level holds only the version and settings.
"""

__version__ = "0.1.0"
