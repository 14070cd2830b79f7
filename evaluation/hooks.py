"""What the evaluation tells the kernel (procurement.hooks), provided when the app is ready (evaluation.apps)."""

from procurement import hooks

from .worklist import tasks_for

hooks.worklist.provide(tasks_for)
