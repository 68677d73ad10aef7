"""The hub's spawners, which also remove a user's files when the user is deleted from the hub.

The portal deletes an anonymised person's hub user through the hub REST API (`DELETE
/hub/api/users/<name>`, see hub/services.py). The hub then stops their server and calls each of their
spawners' `delete_forever`, which JupyterHub's own spawners leave empty: the notebooks would stay on the
hub host. These subclasses remove them:

- `HomeRemovingLocalSpawner` (one machine): the user's home directory under `JUPYTERHUB_USERS_DIR`;
- `VolumeRemovingDockerSpawner` (docker compose): the user's named Docker volumes
  (`jupyterhub-user-<name>`).

On Kubernetes, KubeSpawner deletes the user's persistent volume claim itself (`delete_pvc`); whether the
volume behind it is erased is the storage class's reclaim policy (`Delete`), the operator's setting.
"""

from __future__ import annotations

import asyncio
import inspect
import shutil
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner


def home_remove(home: Path, users_dir: Path, username: str) -> bool:
    """Remove *home* when it is the directory *username* right inside *users_dir* (never anything else,
    whatever the template says); False when it is not there."""
    home, users_dir = home.resolve(), users_dir.resolve()
    if home.parent != users_dir or home.name != username:
        raise ValueError(f"{home} is not a home directory in {users_dir}")
    if not home.exists():
        return False
    shutil.rmtree(home)
    return True


class HomeRemovingLocalSpawner(SimpleLocalProcessSpawner):
    """SimpleLocalProcessSpawner whose deletion removes the user's home directory."""

    async def delete_forever(self) -> None:
        home = Path(self.home_dir)
        users_dir = Path(self.home_dir_template).parent
        loop = asyncio.get_running_loop()
        removed = await loop.run_in_executor(None, home_remove, home, users_dir, self.user.name)
        self.log.info("home directory of %s %s", self.user.name, "removed" if removed else "was not there")


try:
    from docker.errors import NotFound
    from dockerspawner import DockerSpawner
except ImportError:  # the hub image for docker compose has DockerSpawner; other hubs do not need it
    DockerSpawner = None

if DockerSpawner is not None:

    class VolumeRemovingDockerSpawner(DockerSpawner):
        """DockerSpawner whose deletion removes the user's named volumes (not host directories)."""

        async def delete_forever(self) -> None:
            parent = super().delete_forever()
            if inspect.isawaitable(parent):
                await parent
            for template in self.volumes:
                name = self.format_volume_name(template, self)
                if "/" in name:  # a bind mount of a host path, not a volume of this user
                    continue
                try:
                    await self.docker("remove_volume", name=name)
                except NotFound:
                    self.log.info("volume %s of %s was not there", name, self.user.name)
                else:
                    self.log.info("volume %s of %s removed", name, self.user.name)
