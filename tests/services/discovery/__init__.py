"""Protocol discovery against the real database: what a scan stores, and what it refuses.

Protocol files are written into ``tmp_path`` by each test, so every test shows the exact source it
scans and can edit it between scans; rows are read back through ``repos.protocol_definition``.
"""
