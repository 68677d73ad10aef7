from wagtail.snippets.models import register_snippet

from .models import Exercise

register_snippet(Exercise)
