"""Territory permissions for the apps below `lyceums`.

`courses` must not import `lyceums`, yet it has two questions only the territory rules can answer: is
this person staff (a teacher, coordinator or administrator, who may read any lesson), and may they see
this learner (to download the learner's certificate)? It asks them the Django way, with
`user.has_perm(PERM_STAFF)` and `user.has_perm(PERM_VIEW_LEARNER, learner)`; this authentication
backend (listed in `AUTHENTICATION_BACKENDS`) answers them from `lyceums.scoping`, so the rules stay in
one place. Every other permission is left to the other backends without a query.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from . import scoping

PERM_STAFF = "lyceums.is_staff_member"
PERM_VIEW_LEARNER = "lyceums.view_learner"


class TerritoryBackend(BaseBackend):
    """Answers the territory permissions; authenticates nobody."""

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not getattr(user_obj, "is_active", False):
            return False
        if perm == PERM_STAFF:
            return scoping.is_staff_member(user_obj)
        if perm == PERM_VIEW_LEARNER and obj is not None:
            return scoping.can_see_learner(user_obj, obj)
        return False
