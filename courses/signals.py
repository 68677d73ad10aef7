"""Signals other apps listen to. Sent by `courses.services` after the write, inside its transaction;
a receiver that enqueues work must do so with `transaction.on_commit`."""

from django.dispatch import Signal

#: An enrolment was created, re-activated, completed or withdrawn. Sent with `enrolment`.
enrolment_changed = Signal()

#: A member of staff saw a learner's record in a view of `courses` (a certificate downloaded by staff).
#: Sent with `viewer`, `learner`, `action` (a `lyceums.models.PersonalDataAccess.Action` value), `detail`
#: and `path`; `lyceums` writes it to the staff access log. Not sent for a learner's own records.
learner_record_accessed = Signal()
