"""Writes of the JupyterHub integration: start a student's server, place an exercise's starter notebook
and data files in it, put the starter back, submit the notebook from the hub for grading, fetch a copy of
it for a teacher, delete an anonymised person's hub user (owed from the anonymisation until done, see
`HubUserDeletion`), and register the hub as the portal's OpenID Connect client.

The writes on the hub go through `hub.client`; when the hub cannot do them they raise `HubError`, whose
message is fit for the user, and nothing is written in the portal (but the failed attempt on an owed
deletion). None of them waits for a server to start: when it is not ready they ask the hub to start it and
raise `ServerStarting` (the views show the progress page or ask to try again). None of them holds a database
transaction open while it talks to the hub: a submission is written by `grading.services` in its own.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from oauth2_provider.models import AbstractApplication, get_application_model

from courses.models import LessonPage
from grading import services as grading_services
from grading.models import Exercise, Submission

from . import metrics
from .client import HubClient, HubError, NotebookNotFound, ServerStatus, get_client
from .models import HubUserDeletion
from .oidc import hub_username, hub_username_of
from .selectors import notebook_path, owed_hub_user_deletions, release_notebook

logger = logging.getLogger(__name__)

# An owed deletion idle this long (not queued, re-queued or tried since) has lost its message: the
# sweeper queues it again. Longer than any pause between the task's own retries (hub.tasks).
DELETION_RETRY_AFTER = timedelta(minutes=15)
DELETION_REQUEUE_BATCH = 100


def hub_server_start(*, user) -> ServerStatus:
    """Create *user*'s hub account unless it exists and ask the hub to start their default server (a
    no-op when it runs or is starting); returns where the server stands."""
    client = get_client()
    username = hub_username(user)
    client.ensure_user(username)
    return client.start_server(username)


def _data_files_place(
    *, client: HubClient, username: str, exercise: Exercise, path: str, overwrite: bool = False
) -> None:
    """Put the exercise's data files next to the notebook at *path* (missing ones only, unless
    *overwrite*). A file already there is neither read from storage nor sent again."""
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    for data in exercise.data_files.all():
        file_path = folder + data.name
        if overwrite or not client.exists(username, file_path):
            client.put_file(username, file_path, data.read(), overwrite=True)


def exercise_notebook_place(
    *, user, exercise: Exercise, lesson: LessonPage | None = None, back_url: str = ""
) -> str | None:
    """Put the starter notebook of *exercise* in *user*'s running server unless they already have one
    (their work is never replaced), and the exercise's missing data files next to it. Returns the
    JupyterLab address of the notebook, or None, placing nothing, while the server is not ready yet."""
    client = get_client()
    username = hub_username(user)
    path = notebook_path(exercise=exercise, lesson=lesson)
    if not client.server_status(username).ready:
        return None
    if not client.exists(username, path):
        client.put_notebook(username, path, release_notebook(exercise=exercise, back_url=back_url))
    _data_files_place(client=client, username=username, exercise=exercise, path=path)
    return client.lab_url(username, path)


def exercise_notebook_reset(
    *, user, exercise: Exercise, lesson: LessonPage | None = None, back_url: str = ""
) -> str:
    """Give *user* the starter notebook of *exercise* again: the current notebook is kept next to it under
    a dated name, and the data files are placed afresh. Returns the JupyterLab address of the notebook.
    `ServerStarting` (nothing replaced) while their server is not ready; its start is requested."""
    client = get_client()
    username = hub_username(user)
    path = notebook_path(exercise=exercise, lesson=lesson)
    starter = release_notebook(exercise=exercise, back_url=back_url)
    client.ready_or_start(username)
    if client.exists(username, path):
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 - a local file name
        client.rename(username, path, path.removesuffix(".ipynb") + f".before-reset-{stamp}.ipynb")
    client.put_notebook(username, path, starter, overwrite=True)
    _data_files_place(client=client, username=username, exercise=exercise, path=path, overwrite=True)
    return client.lab_url(username, path)


def hub_submission_create(*, student, exercise: Exercise, lesson: LessonPage | None = None) -> Submission:
    """Fetch *student*'s current notebook of *exercise* from their server and submit it for grading
    through `grading.services.submission_create`, as a submission from the hub.

    Raises `ServerStarting` when the server is not ready (its start is requested), `NotebookNotFound` when
    the student has no such notebook yet, another `HubError` (`NotebookTooLarge` among them) when the hub
    cannot give it, and `ValidationError` when grading refuses it; nothing is written then."""
    client = get_client()
    username = hub_username(student)
    path = notebook_path(exercise=exercise, lesson=lesson)
    client.ready_or_start(username)
    notebook = client.get_notebook(username, path)
    return grading_services.submission_create(
        student=student,
        exercise=exercise,
        notebook_bytes=notebook,
        filename=path.rsplit("/", 1)[-1],
        source=Submission.Source.HUB,
        lesson=lesson,
    )


def student_notebook_fetch(*, student, exercise: Exercise, lesson: LessonPage | None = None) -> bytes:
    """A copy of *student*'s current notebook of *exercise* as .ipynb bytes, read by the portal (nobody
    else is given access to the student's server). `NotebookNotFound` when the student has no hub account
    or no such notebook yet; `ServerStarting` while their server is not ready (its start is requested, so
    the caller shows the progress page and asks again)."""
    client = get_client()
    username = hub_username(student)
    if client.get_user(username) is None:
        raise NotebookNotFound
    client.ready_or_start(username)
    return client.get_notebook(username, notebook_path(exercise=exercise, lesson=lesson))


def hub_user_deletion_create(*, user) -> HubUserDeletion:
    """Record that the hub user of *user*, who is being anonymised, is owed a deletion. Called inside the
    anonymisation's transaction, so the record commits with it or not at all; idempotent."""
    deletion, _created = HubUserDeletion.objects.get_or_create(user_id=user.pk)
    return deletion


def _deletion_tried(*, deletion_id: int, error: str = "", done: bool = False) -> None:
    """Count an attempt on an owed deletion: done, or why not. A deletion already done stays as it was (a
    duplicate message that lost the race to another)."""
    now = timezone.now()
    changes = {"attempts": F("attempts") + 1, "tried_at": now}
    if done:
        changes["done_at"] = now
    else:
        changes["last_error"] = error[: HubUserDeletion._meta.get_field("last_error").max_length]
    HubUserDeletion.objects.filter(pk=deletion_id, done_at__isnull=True).update(**changes)


def hub_user_delete(*, user_id: int) -> bool:
    """Carry out the owed deletion of the JupyterHub user of the anonymised person *user_id*: the hub
    stops their server and deletes the user, and its spawner removes their home directory with the
    notebooks in it. True when this call deleted it; False otherwise.

    Nothing is sent to the hub unless a deletion is owed (`HubUserDeletion`, written with the
    anonymisation) and not done yet, and the account is closed. Each attempt is counted on the record: a
    hub without the user (never had, or deleted before) completes it; a `HubError` (the hub cannot do it
    now) is recorded, then raised for the task to retry."""
    deletion = HubUserDeletion.objects.filter(user_id=user_id).first()
    if deletion is None:
        logger.warning(
            "hub user of %s not deleted: no deletion is owed (the person is not anonymised)", user_id
        )
        return False
    if deletion.done_at is not None:
        return False
    if get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        logger.warning("hub user of %s not deleted: the account is active", user_id)
        _deletion_tried(deletion_id=deletion.pk, error="The account is active again: nothing deleted.")
        return False
    if not settings.JUPYTERHUB_API_TOKEN:
        # Not an attempt: a portal without a hub has no user to delete there (nothing counts as failing).
        logger.warning("hub user of %s not deleted: no JUPYTERHUB_API_TOKEN, so no hub", user_id)
        return False
    try:
        # No page budget: a worker may wait while the hub stops the server.
        deleted = HubClient().delete_user(hub_username_of(user_id))
    except HubError as error:
        _deletion_tried(deletion_id=deletion.pk, error=error.detail or str(error))
        raise
    _deletion_tried(deletion_id=deletion.pk, done=True)
    logger.info("hub user of %s %s", user_id, "deleted" if deleted else "was not there")
    return deleted


@transaction.atomic
def hub_user_deletions_requeue(
    *, older_than: timedelta = DELETION_RETRY_AFTER, batch: int = DELETION_REQUEUE_BATCH
) -> list[int]:
    """Claim owed deletions nothing has happened to for *older_than* (not queued, re-queued or tried
    since): their message never reached the broker (it was down when the anonymisation committed), was
    lost, or the task's retries ran out. At most *batch*, the longest idle first; each is marked re-queued
    (rows another sweep is claiming are skipped). Returns the ids of their people, for the caller to queue
    `hub.user_delete` again. Claims nothing on a portal without a hub. Updates the owed-deletion gauge."""
    if settings.JUPYTERHUB_API_TOKEN:
        now = timezone.now()
        requested = F("requested_at")
        idle = (
            HubUserDeletion.objects.filter(done_at__isnull=True)
            .alias(
                last_moved_at=Greatest(
                    requested, Coalesce("requeued_at", requested), Coalesce("tried_at", requested)
                )
            )
            .filter(last_moved_at__lt=now - older_than)
            .order_by("last_moved_at", "pk")
        )
        claimed = list(idle.select_for_update(skip_locked=True).values_list("pk", "user_id")[:batch])
        HubUserDeletion.objects.filter(pk__in=[pk for pk, _user in claimed]).update(requeued_at=now)
        user_ids = [user_id for _pk, user_id in claimed]
    else:
        user_ids = []
    metrics.owed_deletions_set(owed_hub_user_deletions())
    if user_ids:
        logger.warning("queuing %s owed hub user deletions again", len(user_ids))
    return user_ids


@transaction.atomic
def hub_oauth_client_ensure(
    *, client_id: str, client_secret: str, redirect_uri: str
) -> tuple[AbstractApplication, bool]:
    """Create or update the OAuth application JupyterHub logs in with: a confidential client using the
    authorization-code grant (with PKCE) and RS256-signed ID tokens, redirecting to *redirect_uri*, with
    no consent screen (the hub is part of the platform). The secret is stored hashed. Returns the
    application and whether it was created."""
    Application = get_application_model()
    app, created = Application.objects.get_or_create(
        client_id=client_id,
        defaults={
            "name": "JupyterHub",
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        },
    )
    app.name = "JupyterHub"
    app.client_type = Application.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    app.redirect_uris = redirect_uri
    app.post_logout_redirect_uris = ""
    app.algorithm = Application.RS256_ALGORITHM
    app.skip_authorization = True
    app.client_secret = client_secret  # hashed on save
    app.full_clean()
    app.save()
    return app, created
