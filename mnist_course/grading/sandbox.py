"""Confine the process that runs a learner's code (Linux; best effort elsewhere).

:func:`confine` is called in the forked child, after it has its own session and
temporary directory and before any learner code runs:

- resource limits: address space (memory), CPU seconds, size of files written, no
  core dumps;
- Landlock (Linux ≥ 5.13, no privileges needed): the child may read files but write,
  create, delete or rename only inside its temporary directory; it may not connect or
  bind TCP sockets (ABI ≥ 4); it may not signal any process outside its own sandbox
  (ABI ≥ 6), so ``os.kill(os.getppid(), ...)`` fails with ``EPERM``.

:func:`landlock_abi` says which of these the kernel offers (0: none).
"""

from __future__ import annotations

import ctypes
import os
import resource
import struct
import sys

_SYS_CREATE, _SYS_ADD_RULE, _SYS_RESTRICT = (
    444,
    445,
    446,
)  # the same number on every Linux architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_CHILD_SUBREAPER = 36

# Landlock file-system rights (linux/landlock.h).
_WRITE_FILE, _REMOVE_DIR, _REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
_MAKE = sum(1 << bit for bit in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
_REFER, _TRUNCATE = 1 << 13, 1 << 14
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is unavailable."""
    libc = _libc()
    if libc is None:
        return 0
    version = libc.syscall(
        _SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
    )
    return max(int(version), 0)


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux), so that none outlives an exercise unseen."""
    libc = _libc()
    return libc is not None and libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _write_rights(abi: int) -> int:
    rights = _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    return rights


def _landlock(writable: str, abi: int) -> None:
    libc = _libc()
    fs = _write_rights(abi)
    net = _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0
    scoped = _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL if abi >= 6 else 0
    attr = (
        struct.pack("QQQ", fs, net, scoped)
        if abi >= 6
        else struct.pack("QQ", fs, net)
        if abi >= 4
        else struct.pack("Q", fs)
    )
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.syscall(
        _SYS_CREATE, buffer, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0)
    )
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path, rights in (
            (writable, fs),
            (os.devnull, _WRITE_FILE | (_TRUNCATE if abi >= 3 else 0)),
        ):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
                if (
                    libc.syscall(
                        _SYS_ADD_RULE,
                        ruleset,
                        _RULE_PATH_BENEATH,
                        rule,
                        ctypes.c_uint32(0),
                    )
                    != 0
                ):
                    raise OSError(
                        ctypes.get_errno(), f"landlock_add_rule failed for {path}"
                    )
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_RESTRICT, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def _virtual_memory() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit(which: int, value: int) -> None:
    try:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(
            which, (value, hard if hard != resource.RLIM_INFINITY else value)
        )
    except (ValueError, OSError):
        pass


def confine(
    writable: str, *, memory: int, cpu_seconds: int, file_bytes: int = 64 << 20
) -> int:
    """Apply the limits and Landlock to this process; returns the Landlock ABI used (0:
    none).

    ``memory`` is on top of what the process already maps (a worker that imported
    TensorFlow maps about 1 GB before any learner code runs).
    """
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_CPU, max(1, cpu_seconds))
    _limit(resource.RLIMIT_FSIZE, file_bytes)
    if sys.platform.startswith("linux"):
        _limit(resource.RLIMIT_AS, _virtual_memory() + memory)
    abi = landlock_abi()
    if abi:
        _landlock(writable, abi)
    return abi
