"""The contract all nine CRUD collections share, checked once over the table in ``collection_specs``.

Every collection is routed by ``crud_router`` and served through ``CrudService``: what they have in
common is one piece of code, so it is tested as one. Each test here runs per collection (or per
collection and case) against the real database, through ``client`` and ``repos``. What a single
collection does on its own (full bodies, moves, positions, the run state machine, value columns,
...) is tested in that collection's file.
"""
