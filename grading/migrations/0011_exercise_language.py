import django.db.models
from django.db import migrations

import grading.models

LANGUAGES = [("ru", "Russian"), ("tt", "Tatar"), ("en", "English")]
HELP = (
    "The language the notebook is written in: the starter notebook says where the learner's code goes in it "
    "(for Russian, «# ВАШ КОД ЗДЕСЬ»)."
)


class Migration(migrations.Migration):
    """Exercises get a language. Those that exist were released with nbgrader's English stubs, so they
    are marked English, which keeps their starter notebooks and their grading in step; a new exercise
    takes the site's default language."""

    dependencies = [
        ("grading", "0010_submission_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="exercise",
            name="language",
            field=django.db.models.CharField(
                choices=LANGUAGES, default="en", help_text=HELP, max_length=10, verbose_name="language"
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="exercise",
            name="language",
            field=django.db.models.CharField(
                choices=LANGUAGES,
                default=grading.models.exercise_default_language,
                help_text=HELP,
                max_length=10,
                verbose_name="language",
            ),
        ),
    ]
