"""The "Editors" group authors exercises: it may view, add and change them, which also shows it the
Exercises menu of the Wagtail admin. Deleting stays with administrators.

Wagtail's initial data creates the group with access to the admin; where it is missing it is created
here with that access too."""

from django.db import migrations

EDITORS_GROUP = "Editors"
EXERCISE_PERMISSIONS = {
    "add_exercise": "Can add exercise",
    "change_exercise": "Can change exercise",
    "view_exercise": "Can view exercise",
}


def _exercise_permissions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    # On a fresh database Django creates permissions only after all migrations ran (post_migrate).
    content_type, _ = ContentType.objects.get_or_create(app_label="grading", model="exercise")
    return [
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in EXERCISE_PERMISSIONS.items()
    ]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, created = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.add(*_exercise_permissions(apps))
    if created:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin")
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="grading", content_type__model="exercise", codename__in=EXERCISE_PERMISSIONS
    )
    for group in Group.objects.filter(name=EDITORS_GROUP):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("grading", "0004_exercise_data_files"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Wagtail's initial data creates the Editors group and gives it access to the admin.
        ("wagtailcore", "0002_initial_data"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
