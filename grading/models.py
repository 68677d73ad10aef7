"""Notebook exercises graded automatically, and the submissions made to them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Exercise(models.Model):
    """A Jupyter notebook exercise in nbgrader format."""

    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
