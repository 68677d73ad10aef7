"""The sandboxed side of grading: executes one notebook and writes it back. Runs as its own process,
started by `grading.sandbox` (never imported by Django code, and imports nothing from the project).

Protocol: a JSON job on stdin {"notebook": {...}, "files": {name: base64}, "limits": {...},
"uid": int|null, "hide": [paths], "isolated": bool, "result_fd": int}; the executed notebook, as JSON,
on the file descriptor "result_fd". Everything the student's code can do happens after this process
has confined itself:

1. (inside the fresh mount, network and PID namespaces `unshare` gave it, as the first process of
   its PID namespace) a private tmpfs on /tmp, /var/tmp and /dev/shm, empty read-only tmpfs over
   every directory in "hide" (private media, the database, secrets), the Python installation and
   the runner's directory ("keep") bound read-only, and the loopback interface up so the kernel can
   talk to this process;
2. the notebook and its data files written to a new directory on that tmpfs;
3. privileges dropped for good, before any student code runs (the kernel nbclient starts is a child of
   this process and inherits all of it): as root, to the sandbox uid; as root of the user namespace
   `unshare` made for an ordinary worker, into a further user and mount namespace as a non-zero uid
   (see `enter_unprivileged_namespace`). Either way the capability bounding set is emptied,
   no_new_privs set and the process checked to hold no capability; then resource limits set and this
   process made non-dumpable so same-uid code cannot read its memory or file descriptors;
4. nbgrader's `Execute` preprocessor runs the notebook with a per-cell timeout, output capped as it
   arrives.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import fcntl
import functools
import json
import os
import re
import resource
import socket
import struct
import sys

RESULT_FD = 3
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_RELATIME = 1 << 21
# statvfs flags of a mount -> the mount flags a read-only remount must repeat: in a user namespace
# the kernel refuses a remount that would clear a flag the outer namespace set.
KEPT_MOUNT_FLAGS = {
    os.ST_NOSUID: MS_NOSUID,
    os.ST_NODEV: MS_NODEV,
    os.ST_NOEXEC: MS_NOEXEC,
    os.ST_NOATIME: MS_NOATIME,
    os.ST_NODIRATIME: MS_NODIRATIME,
    os.ST_RELATIME: MS_RELATIME,
}
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
# Who student code is in the nested user namespace of an ordinary worker's sandbox: any uid but 0 (a
# process that leaves uid 0 loses its capabilities); outside, it is the worker's own uid.
INNER_UID = 1000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


@functools.cache
def _libc():
    # Found once per process: `find_library` runs `ldconfig -p` on every call, and a fork-server child
    # would otherwise run it several times per submission (the zygote loads it before forking).
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _mount(libc, source: str, target: str, fstype: str, flags: int, data: str = "") -> None:
    if libc.mount(source.encode(), target.encode(), fstype.encode(), flags, data.encode()) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {target}: {os.strerror(errno)}")


def _loopback_up() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifreq = struct.pack("16sH14s", b"lo", 0, b"\x00" * 14)
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, ifreq))[1]
        fcntl.ioctl(sock.fileno(), SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b"\x00" * 14))
    finally:
        sock.close()


def _mount_points_under(path: str) -> list[str]:
    """Mount points at or below *path* in this mount namespace, outermost first."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            # Spaces, tabs, newlines and backslashes in a mount point are written as octal escapes.
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
            if point == path or point.startswith(path.rstrip("/") + "/"):
                found.append(point)
    return sorted(set(found), key=len)


def bind_read_only(libc, path: str) -> None:
    """Bind *path* onto itself and make it, and every mount below it, read-only: code in the sandbox
    can run the Python installation but not change it (a `.pth` file there would run in the grader)."""
    _mount(libc, path, path, "", MS_BIND | MS_REC)
    for point in _mount_points_under(path):
        flags = os.statvfs(point).f_flag
        kept = sum(ms for st, ms in KEPT_MOUNT_FLAGS.items() if flags & st)
        _mount(libc, "none", point, "", MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def private_temporary_dirs(libc, keep: list[str], tmp_size: int) -> list[str]:
    """A new, empty tmpfs on /tmp, /var/tmp and /dev/shm; returns the *keep* paths it had to bind back
    (they lived under one of them), which the caller makes read-only again."""
    rebound = []
    for target in ("/tmp", "/var/tmp", "/dev/shm"):  # noqa: S108 - these are the mounts being replaced
        if not os.path.isdir(target):
            continue
        # The Python installation may itself live under a temporary directory (a checkout in /tmp):
        # hold it open, cover the directory with the private tmpfs, and bind it back from the handle.
        held = [(os.open(k, os.O_PATH), k) for k in keep if k.startswith(target.rstrip("/") + "/")]
        _mount(libc, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_size},mode=1777")
        for handle, kept in held:
            os.makedirs(kept, mode=0o755, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{handle}", kept, "", MS_BIND | MS_REC)
            os.close(handle)
            rebound.append(kept)
    return rebound


def warm_font_cache() -> None:
    """matplotlib's font cache, built here (when matplotlib is installed) before the kernel starts: the
    kernel would otherwise build it at the learner's first plot and say so on stderr, in a cell's
    output, which a plain Jupyter kernel with its cache already built does not."""
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        return
    import logging

    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    import matplotlib.font_manager  # noqa: F401 - importing builds the cache


def confine_filesystem(job: dict) -> str:
    """Private temporary directories and hidden project data; returns the work directory."""
    libc = _libc()
    tmp_size = int(job["limits"].get("tmpfs_bytes", 64 * 1024 * 1024))
    keep = [os.path.realpath(k) for k in job.get("keep", [])]
    private_temporary_dirs(libc, keep, tmp_size)
    hide = list(job.get("hide", []))
    if job.get("uid") is not None:
        # The sandbox uid must reach the Python installation: cover closed ancestors (e.g. /root) too.
        for kept in keep:
            parent = os.path.dirname(kept)
            while parent not in ("/", ""):
                if not os.stat(parent).st_mode & 0o001 and parent not in hide:
                    hide.append(parent)
                parent = os.path.dirname(parent)
    hide.sort(key=len)
    for index, path in enumerate(hide):
        path = os.path.realpath(path)
        if os.path.isfile(path):
            _mount(libc, "/dev/null", path, "", MS_BIND)
            continue
        if not os.path.isdir(path):
            continue
        # Paths the sandbox needs (the Python installation) may live inside a hidden directory: park
        # them, cover the directory with an empty tmpfs, and bind them back in place.
        inside = [k for k in keep if k.startswith(path.rstrip("/") + "/")]
        parked = []
        for number, kept in enumerate(inside):
            stage = f"/tmp/.keep-{index}-{number}"  # noqa: S108 - private tmpfs
            os.mkdir(stage)
            _mount(libc, kept, stage, "", MS_BIND | MS_REC)
            parked.append((stage, kept))
        _mount(
            libc,
            "tmpfs",
            path,
            "tmpfs",
            MS_NOSUID | MS_NODEV,
            "size=64k,mode=755" if parked else "size=4k,mode=000",
        )
        for stage, kept in parked:
            os.makedirs(kept, mode=0o755, exist_ok=True)
            _mount(libc, stage, kept, "", MS_BIND | MS_REC)
            libc.umount2(stage.encode(), 2)
        if parked:
            _mount(
                libc,
                "tmpfs",
                path,
                "tmpfs",
                MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
                "size=64k,mode=755",
            )
    for kept in sorted(set(keep), key=len):
        if os.path.isdir(kept):
            bind_read_only(libc, kept)
    workdir = "/tmp/work"  # noqa: S108 - on the private tmpfs mounted above
    os.mkdir(workdir, 0o700)
    return workdir


def write_files(files: dict, workdir: str, uid: int | None) -> None:
    """The exercise's data files (base64 by name) into *workdir*, never outside it, owned by *uid*."""
    for name, payload in files.items():
        safe = os.path.normpath(name)
        if safe.startswith(("/", "..")):
            continue
        target = os.path.join(workdir, safe)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(base64.b64decode(payload))
    if uid is not None:
        for root, dirs, names in os.walk(workdir):
            os.chown(root, uid, uid)
            for name in dirs + names:
                os.chown(os.path.join(root, name), uid, uid)


def write_inputs(job: dict, workdir: str, uid: int | None) -> str:
    notebook_path = os.path.join(workdir, "submission.ipynb")
    with open(notebook_path, "w", encoding="utf-8") as fh:
        json.dump(job["notebook"], fh)
    write_files(job.get("files", {}), workdir, uid)
    return notebook_path


def drop_privileges(uid: int | None) -> None:
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)


def drop_capability_bounding_set() -> None:
    """Empty the capability bounding set, so no later execve (of a file with capabilities) can grant one.
    Needs CAP_SETPCAP in the current user namespace; without it there is nothing to drop from."""
    libc = _libc()
    for cap in range(64):
        # Fails with EINVAL past the last capability the kernel knows, EPERM without CAP_SETPCAP.
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            return


def clear_capabilities() -> None:
    """Clear the effective, permitted and inheritable sets (and with them the ambient one): always
    allowed, since it only lowers them."""
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # two {effective, permitted, inheritable} words, all zero
    if _libc().capset(header, data) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"capset: {os.strerror(errno)}")


def enter_unprivileged_namespace(inner_uid: int = INNER_UID) -> None:
    """Leave the user namespace `unshare --user --map-root-user` made (where this process is root, with
    every capability over the sandbox's mounts) for a new user and mount namespace, as *inner_uid*.

    Why this, and not merely dropping capabilities: the sandbox's mounts (the tmpfs over each hidden
    directory, the read-only binds) were made in a mount namespace owned by the outer user namespace,
    so its root may unmount them or remount them read-write — and code that is root there can always
    regain what it dropped (a setuid file, a new namespace it owns). Copied into a mount namespace owned
    by a less privileged user namespace, every mount is locked by the kernel (MNT_LOCKED): it can no
    longer be unmounted on its own, nor have its read-only, nosuid, nodev or noexec flags cleared, by
    anyone in the new namespace or any namespace below it. As a non-zero uid the process also holds no
    capability at all, neither in the new namespace nor in the outer one (network, PID, mounts)."""
    libc = _libc()
    outer_uid, outer_gid = os.geteuid(), os.getegid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare of a nested user namespace: {os.strerror(errno)}")
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"{inner_uid} {outer_uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"{inner_uid} {outer_gid} 1")
    # A new user namespace starts with a full bounding set: empty it while still privileged in it.
    drop_capability_bounding_set()
    os.setresgid(inner_uid, inner_uid, inner_uid)
    os.setresuid(inner_uid, inner_uid, inner_uid)


def set_no_new_privs() -> None:
    """No execve from here on can raise privileges (setuid/setgid files, file capabilities)."""
    if _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"no_new_privs: {os.strerror(errno)}")


def capabilities() -> dict[str, int]:
    """This process's capability sets, from /proc/self/status."""
    found = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:")):
                name, value = line.split()
                found[name.rstrip(":")] = int(value, 16)
    return found


def drop_all_privileges(uid: int | None, *, isolated: bool) -> None:
    """Step 3 of the module docstring. When isolated, refuses (raises) rather than run student code
    holding any capability."""
    drop_capability_bounding_set()
    drop_privileges(uid)
    if isolated and os.geteuid() == 0:
        enter_unprivileged_namespace()
    if os.geteuid() != 0:
        clear_capabilities()
    set_no_new_privs()
    if isolated:
        held = {name: value for name, value in capabilities().items() if value}
        if held:
            raise RuntimeError(f"the sandbox still holds capabilities: {held}")


def apply_limits(limits: dict) -> None:
    pairs = {
        resource.RLIMIT_CPU: limits.get("cpu_seconds"),
        resource.RLIMIT_AS: limits.get("memory_bytes"),
        resource.RLIMIT_FSIZE: limits.get("file_bytes"),
        resource.RLIMIT_NPROC: limits.get("processes"),
        resource.RLIMIT_NOFILE: limits.get("open_files"),
        resource.RLIMIT_CORE: 0,
    }
    for which, value in pairs.items():
        if value is not None:
            resource.setrlimit(which, (int(value), int(value)))


def make_undumpable() -> None:
    libc = _libc()
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def execute(notebook_path: str, workdir: str, limits: dict):
    import nbformat
    from nbformat import NotebookNode
    from nbgrader.preprocessors import Execute

    output_cap = int(limits.get("output_bytes", 1024 * 1024))

    class CappedExecute(Execute):
        """nbgrader's Execute, dropping a cell's outputs past the cap as they arrive, so a flood of
        output cannot exhaust this process's memory."""

        _cell_bytes: dict = {}

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {})))
            used = self._cell_bytes.get(cell_index, 0)
            self._cell_bytes[cell_index] = used + size
            if used + size > output_cap:
                if used <= output_cap:
                    self._cell_bytes[cell_index] = output_cap + size + 1
                    note = NotebookNode(
                        output_type="stream", name="stdout", text="\n[output truncated by the grader]\n"
                    )
                    outs.append(note)
                return None
            return super().output(outs, msg, display_id, cell_index)

    nb = nbformat.read(notebook_path, as_version=4)
    # The file holds the restored (hidden) tests; the student's code must not read ahead in it.
    os.unlink(notebook_path)
    executor = CappedExecute(timeout=int(limits.get("cell_seconds", 30)))
    resources = {"metadata": {"path": workdir}}
    nb, _ = executor.preprocess(nb, resources)
    return nb


def main() -> int:
    import traceback  # noqa: F401 - imported while the installation is surely readable

    import nbformat  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    job = json.loads(sys.stdin.buffer.read())
    limits = job["limits"]
    uid = job.get("uid")
    result_fd = int(job.get("result_fd", RESULT_FD))
    os.set_inheritable(result_fd, False)
    result = os.fdopen(result_fd, "w", encoding="utf-8")
    try:
        if job.get("isolated"):
            if os.getpid() != 1:
                # Not the first process of a new PID namespace: student code could see and signal the
                # grader's processes. Refuse rather than run half-confined.
                raise RuntimeError("the sandbox has no PID namespace of its own")
            workdir = confine_filesystem(job)
            _loopback_up()
        else:
            workdir = job["workdir"]
        notebook_path = write_inputs(job, workdir, uid)
        os.chdir(workdir)
        drop_all_privileges(uid, isolated=bool(job.get("isolated")))
        os.environ["HOME"] = workdir
        os.environ["TMPDIR"] = workdir
        os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(workdir, ".runtime")
        os.environ["IPYTHONDIR"] = os.path.join(workdir, ".ipython")
        os.environ["MPLCONFIGDIR"] = os.path.join(workdir, ".matplotlib")
        warm_font_cache()
        apply_limits(limits)
        make_undumpable()
        nb = execute(notebook_path, workdir, limits)
        result.write(json.dumps({"status": "ok", "notebook": nb}))
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent
        import traceback

        result.write(
            json.dumps(
                {
                    "status": "error",
                    "error": f"{type(exc).__name__}: {exc}"[:2000],
                    "traceback": traceback.format_exc()[-4000:],
                }
            )
        )
        return 1
    finally:
        result.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
