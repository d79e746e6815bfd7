"""What the harness calls its databases, and the guards that keep it to those names.

Every database the harness creates or drops is named ``praxis_test...`` and goes through ``owned()``
(``kept()`` adds the exact shape of a kept database), so it can never drop something it did not
create. ``quote()`` is the one way an identifier is written into SQL.

* Run databases: ``praxis_test_<token>_<role>``, ``<token>`` twelve random characters drawn per
  process, so two hosts or two PID namespaces never pick the same name. No other name the harness
  uses has twelve characters between the prefix and the next ``_`` (``tpl``, ``failed``, ...).
* Templates: ``praxis_test_tpl_<hash>`` (``templates.template_name``).
* Kept databases: ``praxis_test_failed_<test>_<hash>`` (``kept_database_name``), or
  ``praxis_test_failed_<namespace>__<test>_<hash>`` for a run in a namespace of its own (the suite's
  own tests of the option run so): ``<test>`` never holds ``__``, so the namespaces never overlap.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string

from tests.harness.errors import UnsafeDatabaseError

OWNED_PREFIX = "praxis_test"
TEMPLATE_PREFIX = f"{OWNED_PREFIX}_tpl_"
KEPT_PREFIX = f"{OWNED_PREFIX}_failed_"
TOKEN_LENGTH = 12
TOKEN = re.compile(rf"[a-z][a-z0-9]{{{TOKEN_LENGTH - 1}}}")
RUN_DATABASE = re.compile(rf"^{OWNED_PREFIX}_({TOKEN.pattern})_[a-z0-9_]+$")
KEPT_DATABASE = re.compile(rf"^{KEPT_PREFIX}[a-z0-9_]*[a-z0-9]_[0-9a-f]{{8}}$")
_ROLE = re.compile(r"[a-z][a-z0-9_]*")
KEPT_NAMESPACE = re.compile(r"[a-z0-9]{1,12}")
MAX_NAME = 63  # PostgreSQL's NAMEDATALEN - 1


def quote(identifier: str) -> str:
    """``identifier`` as a quoted SQL identifier (a database, a table, a role)."""
    return '"' + identifier.replace('"', '""') + '"'


def owned(name: str) -> str:
    """``name`` quoted, if it is a database the harness may create or drop; else refused."""
    if not name.startswith(OWNED_PREFIX):
        raise UnsafeDatabaseError(f"refusing to create or drop {name!r}: not a {OWNED_PREFIX}* database")
    return quote(name)


def kept(name: str) -> str:
    """``owned()``, and the exact shape ``kept_database_name`` gives."""
    if not KEPT_DATABASE.fullmatch(name):
        raise UnsafeDatabaseError(f"refusing to keep or drop {name!r}: not a {KEPT_PREFIX}<test>_<hash> name")
    return owned(name)


def new_token() -> str:
    """Twelve random characters (a letter first): unique across hosts, containers and checkouts."""
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(alphabet) for _ in range(TOKEN_LENGTH - 1)
    )


def check_token(token: str) -> str:
    if not TOKEN.fullmatch(token):
        raise ValueError(f"a harness token is a letter and {TOKEN_LENGTH - 1} [a-z0-9]: {token!r}")
    return token


def run_database_name(token: str, role: str) -> str:
    """``praxis_test_<token>_<role>``; ``role`` is lower-case letters, digits and ``_``."""
    if not _ROLE.fullmatch(role):
        raise ValueError(f"a database role is lower-case letters, digits and '_': {role!r}")
    name = f"{OWNED_PREFIX}_{token}_{role}"
    if len(name) > MAX_NAME:
        raise ValueError(f"{name!r} is longer than PostgreSQL's {MAX_NAME}-character names")
    return name


def kept_prefix(namespace: str = "") -> str:
    """Where the kept databases of ``namespace`` (``""``: the default one) start."""
    if namespace and not KEPT_NAMESPACE.fullmatch(namespace):
        raise ValueError(f"a kept-database namespace is 1 to 12 of [a-z0-9]: {namespace!r}")
    return f"{KEPT_PREFIX}{namespace}__" if namespace else KEPT_PREFIX


def in_kept_namespace(name: str, namespace: str = "") -> bool:
    """Whether the kept database ``name`` is of ``namespace``."""
    if namespace:
        return name.startswith(kept_prefix(namespace))
    return KEPT_DATABASE.fullmatch(name) is not None and "__" not in name


def kept_database_name(nodeid: str, namespace: str = "") -> str:
    """``praxis_test_failed_<test>_<hash>`` for the test whose pytest node id is ``nodeid``.

    ``<test>`` is the test's name with its parameters (``test_rename[bay-1]``), lower-cased, every run
    of other characters one ``_``, cut to fit PostgreSQL's 63 characters; ``<hash>`` is eight hex
    digits of the whole node id, so tests of the same name in two modules never share a database.
    In a ``namespace``: ``praxis_test_failed_<namespace>__<test>_<hash>``.
    """
    test = nodeid.rpartition("::")[2] or nodeid
    stem = re.sub(r"[^a-z0-9]+", "_", test.lower()).strip("_") or "test"
    digest = hashlib.sha256(nodeid.encode()).hexdigest()[:8]
    prefix = kept_prefix(namespace)
    room = MAX_NAME - len(prefix) - 1 - len(digest)
    return f"{prefix}{stem[:room].rstrip('_') or 'test'}_{digest}"
