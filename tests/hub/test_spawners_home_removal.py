"""The hub's local spawner removes a deleted user's home directory, and nothing outside the users'
directory (docker/jupyterhub/lyceum_spawners.py, loaded by the hub, not by the portal)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.conf import settings

SPAWNERS = runpy.run_path(str(Path(settings.BASE_DIR) / "docker" / "jupyterhub" / "lyceum_spawners.py"))
home_remove = SPAWNERS["home_remove"]


def test_the_users_home_directory_is_removed(tmp_path):
    """The home directory goes with everything in it; a second removal finds nothing to do."""
    home = tmp_path / "users" / "u7"
    (home / "exercises").mkdir(parents=True)
    (home / "exercises" / "links.ipynb").write_text("{}")
    assert home_remove(home, tmp_path / "users", "u7") is True
    assert not home.exists()
    assert (tmp_path / "users").exists()
    assert home_remove(home, tmp_path / "users", "u7") is False


@pytest.mark.parametrize("home", ["users", "users/u7/..", "other/u7", "users/u8"])
def test_nothing_outside_the_users_home_is_removed(tmp_path, home):
    """A path that is not the user's own directory right inside the users' directory is refused."""
    (tmp_path / "users" / "u7").mkdir(parents=True)
    (tmp_path / "users" / "u8").mkdir(parents=True)
    (tmp_path / "other" / "u7").mkdir(parents=True)
    with pytest.raises(ValueError, match="is not a home directory"):
        home_remove(tmp_path / home, tmp_path / "users", "u7")
    assert (tmp_path / "users" / "u8").exists()
    assert (tmp_path / "other" / "u7").exists()
