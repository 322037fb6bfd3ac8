"""Work that must wait for the commit of the transaction that causes it.

A service whose write makes work for a background job (a mail queued in the outbox, a packet
build recorded) asks for that job right there: `request(session, job, *args)`. Nothing runs
then. After the session's outermost commit each job asked for runs once (`job(*args)`, in
the order asked; for a huey task that queues it, or runs it inline when jobs run inline), so
a job never reads the database before the work it was asked for is in it. A rollback forgets
what was asked inside what it rolled back: a savepoint's rollback only what was asked since
that savepoint began, a full rollback everything.

Why this and not "the caller starts the job after its commit": mail is queued by a dozen
services called from views, the JSON API, the CLI and other jobs; every one of those callers
would have to remember to start delivery, and one that forgot would leave mail waiting for the
minute-by-minute retry. Here the service that causes the work says so, where it causes it,
and the only thing that runs after a commit is what was asked for through this module.

The two listeners are installed by `install()`, which the application factory calls
(through `campaign.jobs.init_app`); importing a service installs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

_WISHES = "after_commit"


@dataclass
class _Wish:
    transaction: SessionTransaction
    job: Callable[..., object]
    args: tuple[Hashable, ...]


def request(session: Session | scoped_session, job: Callable[..., object], *args: Hashable) -> None:
    """Run `job(*args)` after the session's outermost commit; forget it on rollback."""
    if isinstance(session, scoped_session):
        session = session()  # this request's (or thread's) own session
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        # Nothing begun yet: begin now, so that the wish belongs to a transaction.
        transaction = session.begin()
    session.info.setdefault(_WISHES, []).append(_Wish(transaction, job, args))


def install() -> None:
    """Listen to every session's commits and transaction ends (once per process)."""
    for name, listener in (
        ("after_commit", _after_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not sa.event.contains(Session, name, listener):
            sa.event.listen(Session, name, listener)


def _after_commit(session: Session) -> None:
    wishes: list[_Wish] = session.info.get(_WISHES) or []
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        # A savepoint was released: what was asked inside it now stands or falls with the
        # transaction around it.
        for wish in wishes:
            if wish.transaction is savepoint:
                wish.transaction = savepoint.parent
        return
    session.info.pop(_WISHES, None)
    _run(dict.fromkeys((wish.job, wish.args) for wish in wishes))


def _run(jobs: dict[tuple[Callable[..., object], tuple[Hashable, ...]], None]) -> None:
    # Every job gets its chance even if one fails to start; the first failure is raised.
    failure: Exception | None = None
    for job, args in jobs:
        try:
            job(*args)
        except Exception as error:
            failure = failure or error
    if failure is not None:
        raise failure


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Reached with wishes still tagged with this transaction only when it ended without a
    # commit (a rollback, a close): a committed savepoint handed them to its parent above,
    # and a committed outermost transaction ran them.
    wishes = session.info.get(_WISHES)
    if wishes:
        session.info[_WISHES] = [w for w in wishes if w.transaction is not transaction]
