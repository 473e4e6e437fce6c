"""What an operation declaration is: its name, the least role it needs, and how it is served over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from data_layer.access.auth import TOKEN_PREFIX, Actor, NotPermitted, require
from data_layer.db.store import Store


class Params(BaseModel):
    """What an operation takes over the wire: plain values, checked on arrival (an unknown field is refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    """For operations that take nothing but the actor (and perhaps files)."""


@dataclass(frozen=True)
class Door:
    """How a call came in: the door's name for the import log, the files it carries, where files go back out."""

    via: str                                  # "cli", "api", "page", "inbox"
    files: tuple[Path, ...] = ()              # files the caller sent (saved under their own names)
    folder: Path | None = None                # an empty folder for files to send back (an export)
    progress: Callable[[str], None] | None = None

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)


# Serves one call that came over HTTP: (store, actor, its checked params, the door) -> the result.
Serve = Callable[[Store, Actor, Any, Door], Any]


@dataclass(frozen=True)
class Operation:
    """One thing a person can do: declared once, read by every door."""

    name: str                          # as the command line names it: "import", "users add"
    role: str                          # the least role that may do it, through any door
    summary: str
    params: type[Params] | None = None  # None: not served over HTTP (it needs the database file itself)
    result: Any = None                  # the result's class (how a reply is read back)
    serve: Serve | None = field(default=None, compare=False)
    takes_files: bool = False           # the call carries files (an import, test results)
    sends_files: bool = False           # the reply carries files (an export)

    @property
    def served(self) -> bool:
        """True when a running server can do it for a caller elsewhere (the CLI finding the server, a script)."""
        return self.serve is not None

    def run(self, store: Store, actor: Actor, params: Any, door: Door) -> Any:
        """Do it for a door that has parsed its params (the command line, the API)."""
        if self.serve is None:
            raise NotPermitted(f"{self.name} needs the database file itself; it cannot be done through a door.")
        return self.serve(store, actor, params, door)

    def allow(self, actor: Actor | None) -> Actor:
        """The actor, if its role may do this; otherwise NotPermitted with a sentence naming the role."""
        try:
            return require(actor, self.role)
        except NotPermitted:
            raise NotPermitted(f"Not permitted: {self.name} needs the {self.role} role.") from None


def who(actor: Actor) -> str:
    """How the import log names an actor: an account's email, a token's name, the command line's name."""
    if actor.email.startswith(TOKEN_PREFIX):
        return f"{actor.name} (API token)"
    return (actor.name or actor.email) if ":" in actor.email else actor.email


def plain(fn: Callable[[Store, Actor | None, Any], Any]) -> Serve:
    """Serve an operation that takes (store, actor, params)."""
    return lambda store, actor, params, door: fn(store, actor, params)


def without_params(fn: Callable[[Store, Actor | None], Any]) -> Serve:
    """Serve an operation that takes (store, actor) only."""
    return lambda store, actor, params, door: fn(store, actor)
