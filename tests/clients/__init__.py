"""The client tier: the API through clients generated from its document (Python and TypeScript)."""

#: the xdist group of every module of the tier, so that one worker runs the tier on its one server
CLIENT_TIER = "client-tier"
