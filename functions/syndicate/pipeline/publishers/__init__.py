"""What each channel's publisher does with its messages; the handlers are thin wrappers.

Per message, the work is idempotent on (posting, channel, content hash, action) and ignores a
message that a newer version has superseded (the state table holds another hash). A posting's entry
in a shared document (Indeed feed, LinkedIn XML feed, sitemap) is stored in the feed table with its
state in one transaction; the feed builder assembles the documents (pipeline.feed_builder).
"""
