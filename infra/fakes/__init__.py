"""Local stand-ins for the channels' HTTP APIs: real HTTP servers on 127.0.0.1 that check requests the way
the real services document them, answer like them, and can be told to fail."""
