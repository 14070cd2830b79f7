"""What the fault tests share: a connection of their own to the test database, and requests made to meet.

`Rendezvous` holds parallel requests (threads, each with its own database connection) together at a chosen
statement, typically the one that reads and locks what they compete for: all wait at a barrier just before it, and
whoever gets through first keeps its transaction open until each of the others has either run that statement too
(no lock, or skip-locked) or is seen waiting for a lock in PostgreSQL. So the requests overlap for certain, with or
without the locking they test."""

import threading
import time
from collections.abc import Callable

import psycopg
from django.db import connection


def second_connection(**options) -> psycopg.Connection:
    """A connection of the test's own to the same (test) database, outside Django."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        **options,
    )


class Rendezvous:
    """Execute wrappers that hold the named parties together at the first statement for which `meets(sql)`."""

    def __init__(self, names: list[str], meets: Callable[[str], bool]):
        self.names, self.meets = names, meets
        self.barrier = threading.Barrier(len(names))
        self.pids: dict[str, int] = {}
        self.hooked: set[str] = set()
        self.through: set[str] = set()

    def wrapper(self, name: str):
        def wrap(execute, sql, params, many, context):
            if name in self.hooked or not self.meets(sql):
                return execute(sql, params, many, context)
            self.hooked.add(name)
            self.pids[name] = context["connection"].connection.info.backend_pid
            self.barrier.wait(timeout=30)
            result = execute(sql, params, many, context)
            self.through.add(name)
            self._until_the_others_are_in(name)
            return result

        return wrap

    def _others(self, name: str) -> list[int]:
        return [self.pids[n] for n in self.names if n != name and n not in self.through]

    def _until_the_others_are_in(self, name: str) -> None:
        if not self._others(name):
            return
        with second_connection(autocommit=True) as watcher:
            for _ in range(3000):  # a bound against hanging, not a measure: this normally takes milliseconds
                others = self._others(name)
                if not others:
                    return
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s) AND wait_event_type = 'Lock'", [others]
                ).fetchone()[0]
                if waiting == len(others):
                    return
                time.sleep(0.01)
        raise AssertionError("the other party neither ran the statement nor waited for a lock")


def run_together(functions: dict[str, Callable[[], object]], meets: Callable[[str], bool]) -> dict[str, object]:
    """Run {name: function} in threads of their own that meet at the first statement for which `meets(sql)`;
    {name: what it returned, or the exception it raised}."""
    rendezvous = Rendezvous(list(functions), meets)
    results: dict[str, object] = {}

    def run(name, function):
        try:
            with connection.execute_wrapper(rendezvous.wrapper(name)):
                results[name] = function()
        except Exception as exc:
            results[name] = exc
            rendezvous.barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in functions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert set(results) == set(functions), results
    assert rendezvous.through == set(functions), f"they did not meet: {results}"
    return results
