"""Signals about people (the `User` of `lms`) that apps higher up send and receive, so that two sibling
apps need not import each other. A receiver that enqueues work does so with `transaction.on_commit`.
"""

from django.dispatch import Signal

#: A person was anonymised (152-FZ: `privacy.services.person_anonymise`). Sent once per person, with
#: `user`, inside the anonymisation's transaction. `hub` deletes their JupyterHub user and home
#: directory once it commits.
person_anonymised = Signal()

#: A member of staff opened a person's account in the Django admin (`lms.admin.UserAdmin`). Sent with
#: `viewer`, `person`, `detail` and `path`; `lyceums` writes it to the staff access log.
user_account_viewed = Signal()
