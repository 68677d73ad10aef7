"""Test factories, one of each, for every app's records. Pages are built only where the page tree
allows them (home → catalogue → track → course → lesson)."""

from .accounts import ConsentFactory, UserFactory
from .content import PrivacyPolicyPageFactory, policy_version_publish
from .courses import (
    CoursePageFactory,
    EnrolmentFactory,
    LessonPageFactory,
    PageFactory,
    TrackPageFactory,
    catalog_page,
    code_block,
    enrol_in_exercise,
    exercise_block,
    home_page,
    make_course,
    make_track,
    page_translation,
    paragraph_block,
    quiz_block,
)
from .grading import DEMO_NOTEBOOKS, ExerciseFactory, demo_notebook
from .lyceums import (
    FederalSubjectFactory,
    GroupMembershipFactory,
    LyceumFactory,
    RegionFactory,
    StaffAssignmentFactory,
    StudyGroupFactory,
)

__all__ = [
    "ConsentFactory",
    "PrivacyPolicyPageFactory",
    "policy_version_publish",
    "DEMO_NOTEBOOKS",
    "CoursePageFactory",
    "EnrolmentFactory",
    "ExerciseFactory",
    "FederalSubjectFactory",
    "GroupMembershipFactory",
    "LessonPageFactory",
    "LyceumFactory",
    "PageFactory",
    "RegionFactory",
    "StaffAssignmentFactory",
    "StudyGroupFactory",
    "TrackPageFactory",
    "UserFactory",
    "catalog_page",
    "code_block",
    "demo_notebook",
    "enrol_in_exercise",
    "exercise_block",
    "home_page",
    "make_course",
    "make_track",
    "page_translation",
    "paragraph_block",
    "quiz_block",
]
