"""Signals other apps listen to. Sent by `courses.services` after the write, inside its transaction;
a receiver that enqueues work must do so with `transaction.on_commit`."""

from django.dispatch import Signal

#: An enrolment was created, re-activated, completed or withdrawn. Sent with `enrolment`.
enrolment_changed = Signal()
