"""The client tier: the API through clients generated from its document (Python and TypeScript)."""

#: the xdist group of every module of the tier, so that one worker runs the tier on its one server
#: (pytest 9.2 with pytest-xdist 3.8 ignores groups: xdist still sets the ``_nodeid`` pytest no longer
#: reads; the tier then runs on each worker's own server, correct but started twice)
CLIENT_TIER = "client-tier"
