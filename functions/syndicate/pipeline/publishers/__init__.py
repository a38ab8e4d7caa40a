"""What each channel's publisher does with its messages; the handlers are thin wrappers.

Per message, the work is idempotent on (posting, channel, content hash, action) and ignores a
message that a newer version has superseded (the state table holds another hash). Per batch,
the shared document (Indeed feed, sitemap) is rebuilt once, under a lease lock, from the
state of record, so concurrent invocations can never lose each other's updates.
"""
