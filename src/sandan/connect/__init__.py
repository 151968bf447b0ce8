"""Company profiles, partner matching between technology suppliers and demand companies, anonymised peer benchmarks.

Cross-tenant functions here are named cross_tenant_* and return anonymised figures only.
"""
