"""What each channel's publisher does with its messages; the handlers are thin wrappers.

Idempotent per (posting, channel, content hash, action), and a superseded message is ignored
(docs/design.md, "Publishers").
"""
