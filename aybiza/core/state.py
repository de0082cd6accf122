"""Small state machines for status columns.

Each app declares its machines next to its services::

    PORTING = StateMachine("porting request", "status", {
        "submit": (["pending"], "submitted"),
        ...
    })

and a service, after locking the row, calls ``PORTING.ensure(instance, "submit")``,
which returns the target state or raises TransitionRefused with a message a
human can act on. Nothing is changed by a refusal: services check before they
write. ``allowed_verbs(instance)`` tells a UI which actions to offer.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

from .errors import TransitionRefused


@dataclass(frozen=True)
class Transition:
    sources: tuple[object, ...]
    target: object


class StateMachine:
    def __init__(
        self, label: str, field: str, transitions: dict[str, tuple[Iterable[object], object]],
        *, names: dict | None = None,
    ):
        self.label = label
        self.field = field
        self.names = names or {}  # how to say a state in messages, e.g. {True: "resolved"}
        self.transitions = {verb: Transition(tuple(src), target) for verb, (src, target) in transitions.items()}

    def state(self, instance) -> object:
        return getattr(instance, self.field)

    def can(self, instance, verb: str) -> bool:
        return self.state(instance) in self.transitions[verb].sources

    def allowed_verbs(self, instance) -> list[str]:
        return [verb for verb in self.transitions if self.can(instance, verb)]

    def refuse(self, instance, verb: str, why: str | None = None) -> TransitionRefused:
        state = self._say(self.state(instance))
        message = f"Cannot {verb} {_article(self.label)} {self.label} that is {state}"
        if why:
            return TransitionRefused(f"{message}: {why}.", field=self.field)
        allowed = ", ".join(dict.fromkeys(self._say(s) for s in self.transitions[verb].sources))
        return TransitionRefused(f"{message}; allowed from: {allowed}.", field=self.field)

    def _say(self, value) -> str:
        return str(self.names.get(value, "unset" if value is None else value))

    def ensure(self, instance, verb: str) -> object:
        """The target state of `verb`, or TransitionRefused if the current state forbids it."""
        if not self.can(instance, verb):
            raise self.refuse(instance, verb)
        return self.transitions[verb].target


def lock(instance: models.Model) -> models.Model:
    """The row re-read under `SELECT ... FOR UPDATE` (call inside a transaction)."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def _article(label: str) -> str:
    return "an" if label[:1].lower() in "aeiou" else "a"
