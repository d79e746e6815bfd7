"""Packaging that pyproject.toml cannot express: the migrations ship inside the wheel.

The Alembic directory stays at the repository's top level (``alembic/``, where the ``alembic`` command
finds it in a checkout); installed, it is ``praxis/migrations``, so ``pip install .`` followed by
``praxis db upgrade`` works without a checkout. ``praxis.backend.db.migrations`` finds either.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["praxis", "praxis.*"]),
        "praxis.migrations",
        "praxis.migrations.versions",
    ],
    package_dir={"praxis.migrations": "alembic"},
    package_data={"praxis.migrations": ["script.py.mako"]},
)
