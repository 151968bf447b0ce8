"""The manufacturing assistant: tool calls over the capabilities, retrieval over company documents, cited answers.

It computes nothing itself: every number comes from a capability function.
"""
