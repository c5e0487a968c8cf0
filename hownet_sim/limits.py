"""Shared bounds.

Every memo (sememe distances, concept pairs, antonym findings) is cleared when it passes
:data:`MEMO_LIMIT` entries, so a long-running process scoring millions of pairs keeps a bounded
memory (about 100-200 MB per full memo) instead of growing without end.
"""
MEMO_LIMIT = 1_000_000
