"""Operations: one function per thing a person can do, whatever door they come through.

The command line (data_layer/cli.py), the HTTP API (dashboard/api.py, and the command line going
through a running server, data_layer/remote.py), the pages and the drop folder all call these
functions. Each takes the actor who asks (an account, an API token, or someone at the machine
that holds the database: `auth.local_actor`), checks the role its declaration names, and
returns a result object (a dataclass); the doors only translate: the CLI parses arguments and
prints the result, the API reads the request and writes the result as JSON, a page shows it.

`catalog.OPERATIONS` is the one table of what can be done and the least role it needs.
"""
