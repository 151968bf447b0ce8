"""Collecting production data: connectors and importers, all feeding the one validated ingestion path.

Connectors only produce batches; validation, storage and quarantine happen in `sandan.collect.ingest`.
"""

from sandan.collect.ingest import INGESTERS, Origin, Receipt, ingest_events, ingest_parts, ingest_readings

__all__ = ["Origin", "Receipt", "ingest_readings", "ingest_parts", "ingest_events", "INGESTERS"]
