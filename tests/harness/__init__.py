"""The test harness: a package of small parts, one job each (TESTING_PATTERNS.md has their table).

``tests/conftest.py`` loads ``plugin`` (options, hooks, ordering) and ``fixtures`` (the fixtures, each
handing its work to the parts below); ``bench`` uses the parts directly, so that benchmarks measure
exactly what the tests run on.

The flow, once per pytest process (each xdist worker is one): ``server.resolve_server()`` picks the
server; ``Harness(server).open()`` (``harness``) opens the keeper connection whose advisory locks
(``locks``) tell every other run on the server what this process uses; then, under the harness lock,
in one hold: durability off (embedded only), orphans swept (``sweep``), the migrated template built or
reused (``templates``), the worker database cloned from it. Each test then runs in a transaction
rolled back at its end (``session``, ``module_data``).
"""
