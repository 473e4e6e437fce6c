"""The one table of operations: what can be done, by whom, through which doors.

The API checks a call's role here before running it, the command line knows here which commands
a running server can do for it (data_layer/remote.py), and each operation checks its own row
when it runs (so a page calling it directly is held to the same role).

To add an operation: write its function in a module of this package (taking the actor,
returning a dataclass), declare it there as an `Operation` (name, least role, and for the
server: its Params and how to serve it), and list it below; then give the CLI a subcommand
that builds its Params and prints its result.
"""

from __future__ import annotations

from data_layer.operations import accounts, database, imports, learning
from data_layer.operations.base import Operation

OPERATIONS: dict[str, Operation] = {op.name: op for op in (
    imports.IMPORT,
    database.REPORT, database.EXPORT, database.BACKUP, database.RESTORE, database.PURGE,
    accounts.USERS_LIST, accounts.USERS_ADD, accounts.USERS_SET_ROLE, accounts.USERS_DISABLE,
    accounts.USERS_UNLOCK, accounts.USERS_RESET,
    accounts.TOKENS_CREATE, accounts.TOKENS_LIST, accounts.TOKENS_REVOKE,
    learning.DIGEST, learning.TEST_RESULTS,
)}
