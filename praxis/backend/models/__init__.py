"""ORM models (``orm``) and API schemas (``schemas``)."""
