"""Accounts and API tokens: what Admin → Users does, and `learning-culture users|tokens`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from data_layer.access import auth, tokens
from data_layer.access.auth import Actor
from data_layer.db.store import Store
from data_layer.operations.base import NoParams, Operation, Params, plain, without_params

Role = Literal["viewer", "editor", "admin"]


@dataclass(frozen=True)
class Account:
    email: str
    name: str
    role: str
    disabled: bool
    has_password: bool


@dataclass(frozen=True)
class Accounts:
    accounts: list[Account]


@dataclass(frozen=True)
class Done:
    """A change made: the sentence saying what it was."""

    message: str


def list_accounts(store: Store, actor: Actor | None) -> Accounts:
    frame = auth.list_users(store, USERS_LIST.allow(actor))
    return Accounts([Account(str(r.email), str(r.name), str(r.role), bool(r.disabled), bool(r.has_password))
                     for r in frame.itertuples()])


class AddParams(Params):
    email: str
    name: str
    role: Role
    password: str | None = None  # None: single sign-on only


def add_account(store: Store, actor: Actor | None, params: AddParams) -> Done:
    auth.add_user(store, USERS_ADD.allow(actor), params.email, params.name, params.role, params.password)
    return Done(f"Added {params.email} ({params.role}).")


class SetRoleParams(Params):
    email: str
    role: Role


def set_role(store: Store, actor: Actor | None, params: SetRoleParams) -> Done:
    auth.set_role(store, USERS_SET_ROLE.allow(actor), params.email, params.role)
    return Done(f"{params.email} is now {params.role}.")


class DisableParams(Params):
    email: str
    enable: bool = False


def disable(store: Store, actor: Actor | None, params: DisableParams) -> Done:
    auth.set_disabled(store, USERS_DISABLE.allow(actor), params.email, not params.enable)
    return Done(f"{params.email} {'enabled' if params.enable else 'disabled'}.")


class EmailParams(Params):
    email: str


def unlock(store: Store, actor: Actor | None, params: EmailParams) -> Done:
    auth.unlock(store, USERS_UNLOCK.allow(actor), params.email)
    return Done(f"{params.email} can sign in again.")


class PasswordParams(Params):
    email: str
    password: str


def reset_password(store: Store, actor: Actor | None, params: PasswordParams) -> Done:
    auth.reset_password(store, USERS_RESET.allow(actor), params.email, params.password)
    return Done(f"Password of {params.email} reset.")


class TokenParams(Params):
    name: str
    role: Role


@dataclass(frozen=True)
class NewToken:
    name: str
    role: str
    token: str  # shown this once


def create_token(store: Store, actor: Actor | None, params: TokenParams) -> NewToken:
    return NewToken(params.name, params.role, tokens.create(store, TOKENS_CREATE.allow(actor), params.name,
                                                            params.role))


@dataclass(frozen=True)
class TokenRow:
    token_id: str
    name: str
    role: str
    revoked: bool
    last_used_at: dt.datetime | None


@dataclass(frozen=True)
class Tokens:
    tokens: list[TokenRow]


def list_tokens(store: Store, actor: Actor | None) -> Tokens:
    frame = tokens.list_tokens(store, TOKENS_LIST.allow(actor))
    return Tokens([TokenRow(str(r["token_id"]), str(r["name"]), str(r["role"]), not pd.isna(r["revoked_at"]),
                            None if pd.isna(r["last_used_at"]) else pd.Timestamp(r["last_used_at"]).to_pydatetime())
                   for r in frame.to_dict("records")])


class RevokeParams(Params):
    name: str  # a token's name or id


@dataclass(frozen=True)
class Revoked:
    name: str
    count: int


def revoke_token(store: Store, actor: Actor | None, params: RevokeParams) -> Revoked:
    return Revoked(params.name, tokens.revoke(store, TOKENS_REVOKE.allow(actor), params.name))


USERS_LIST = Operation("users list", "admin", "list accounts", NoParams, Accounts, without_params(list_accounts))
USERS_ADD = Operation("users add", "admin", "add an account", AddParams, Done, plain(add_account))
USERS_SET_ROLE = Operation("users set-role", "admin", "change an account's role", SetRoleParams, Done,
                           plain(set_role))
USERS_DISABLE = Operation("users disable", "admin", "disable (or enable) an account", DisableParams, Done,
                          plain(disable))
USERS_UNLOCK = Operation("users unlock", "admin", "clear an account's sign-in lock-out", EmailParams, Done,
                         plain(unlock))
USERS_RESET = Operation("users reset-password", "admin", "set a new password", PasswordParams, Done,
                        plain(reset_password))
TOKENS_CREATE = Operation("tokens create", "admin", "make an API token (shown once)", TokenParams, NewToken,
                          plain(create_token))
TOKENS_LIST = Operation("tokens list", "admin", "list API tokens", NoParams, Tokens, without_params(list_tokens))
TOKENS_REVOKE = Operation("tokens revoke", "admin", "revoke an API token", RevokeParams, Revoked,
                          plain(revoke_token))
