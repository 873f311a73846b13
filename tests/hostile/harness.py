"""The hostile-input corpus: case files, the folder each case runs in, and the checks
every case gets (see README.md for the case format).

A case is built in its own folder (a copy of a fixture inventory plus the case's
edits), the CLI runs there with relative paths (so messages read `inv/sites/x.yaml`),
and the outcome is judged twice: against the case's own `expect:` and against the
invariants every run must keep (no traceback, well-formed diagnostics, no control
characters, nothing written outside `--out`, no temp files, no secret in any output).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import resource
import select
import shutil
import signal
import stat
import subprocess
import time
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

import netorch
from netorch.cli import main

HERE = Path(__file__).parent
CASES = HERE / "cases"
CODE_ROOT = Path(netorch.__file__).resolve().parents[1]
FIXTURES = CODE_ROOT / "tests" / "fixtures"
INVENTORY = "inv"
TIMEOUT = 10.0
MEMORY_LIMIT = 2 << 30

# Allowed in any output: tab and newline; refused: other C0, DEL, C1 and the bidi
# embedding / override / isolate controls (Trojan Source).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What a terminal, a device CLI or a shell may take as the end of a line.
LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
DIAGNOSTIC = re.compile(r"(?i)(^|[\s:])(error|warning):")
FINDING = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (error|warning): ")
TOOL_MESSAGE = re.compile(r"^netorch: (error|warning): ")
CLICK_USAGE = re.compile(r"^(Usage: |Try '|Error: )")  # click's own block, exit 2 only
TEMP_NAME = re.compile(r"(^\.|\.tmp$|~$|\.swp$|\.part$)")
DERIVED_KEY = re.compile(r"\b[0-9a-f]{64}\b")
SECRET_OPTION = "--secret-file"
SECRET_ENV = "NETORCH_SECRET"
SCRUBBED_ENV = (SECRET_ENV, "NETORCH_USERNAME", "NETORCH_PASSWORD", "NETORCH_SSH_KEY")

CASE_KEYS = frozenset({"description", "fixture", "layout", "edits", "run", "env", "isolate",
                       "limits", "umask", "writes", "expect", "skip_if_root"})
EXPECT_KEYS = frozenset({"exit", "stdout", "stderr", "output", "error_at", "absent",
                         "checks", "one_of", "max_output", "unchanged"})


class CaseFormatError(Exception):
    """A case file that does not follow the format (a corpus bug, not a product bug)."""


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    group: str
    name: str
    path: Path
    description: str
    fixture: str
    layout: str
    edits: tuple[dict[str, Any], ...]
    run: tuple[str, ...]
    env: dict[str, str]
    isolate: bool
    limits: dict[str, int]
    umask: int | None
    writes: tuple[str, ...]
    expect: dict[str, Any]
    skip_if_root: bool

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}"


def load_cases(root: Path = CASES) -> list[Case]:
    return [load_case(path) for path in sorted(root.glob("*/*.yaml"))]


def load_case(path: Path) -> Case:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = f"{path.parent.name}/{path.name}"
    if not isinstance(raw, dict):
        raise CaseFormatError(f"{where}: a case is a mapping")
    unknown = set(raw) - CASE_KEYS
    if unknown or not {"description", "run", "expect"} <= set(raw):
        raise CaseFormatError(f"{where}: unknown keys {sorted(unknown)} or missing "
                              "description/run/expect")
    expect = raw["expect"]
    for alternative in [expect, *expect.get("one_of", [])]:
        if set(alternative) - EXPECT_KEYS:
            raise CaseFormatError(f"{where}: unknown expect keys {set(alternative) - EXPECT_KEYS}")
    run = raw["run"]
    argv = tuple(run.split() if isinstance(run, str) else (str(a) for a in run))
    edits = tuple(raw.get("edits") or ())
    limits = {k: int(v) for k, v in (raw.get("limits") or {}).items()}
    umask = raw.get("umask")
    return Case(
        group=path.parent.name, name=path.stem, path=path,
        description=str(raw["description"]).strip(),
        fixture=str(raw.get("fixture", "psk-mesh")), layout=str(raw.get("layout", "dir")),
        edits=edits, run=argv, env={k: str(v) for k, v in (raw.get("env") or {}).items()},
        isolate=bool(raw.get("isolate", False)) or _needs_isolation(edits, argv, limits),
        limits=limits,
        umask=int(str(umask), 8) if umask is not None else None,
        writes=tuple(raw.get("writes") or ()), expect=expect,
        skip_if_root=bool(raw.get("skip_if_root", False)))


def _needs_isolation(edits: tuple[dict[str, Any], ...], argv: tuple[str, ...],
                     limits: dict[str, Any]) -> bool:
    """FIFOs and devices can block or never end, limits and interrupts must not touch the
    test process: such a case runs in a child process with a timeout and a memory limit,
    whatever its file says."""
    special = any(e.get("special") == "fifo" or str(e.get("symlink", "")).startswith("/dev/")
                  for e in edits)
    return special or any(a.startswith("/dev/") for a in argv) or bool(limits)


# --------------------------------------------------------------------------- bases


@cache
def base_files(fixture: str, layout: str) -> dict[str, bytes]:
    """The files of a fixture inventory, relative to the case folder: `inv/` (fabric.yaml,
    sites/<name>.yaml, allocations.yaml) for `dir`, `inv.yaml` (+ allocations) for `file`."""
    source = FIXTURES / f"{fixture}.yaml"
    allocations = FIXTURES / f"{fixture}.allocations.yaml"
    if layout == "file":
        return {f"{INVENTORY}.yaml": source.read_bytes(),
                f"{INVENTORY}.allocations.yaml": allocations.read_bytes()}
    if layout != "dir":
        raise CaseFormatError(f"layout {layout!r}: use dir or file")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    files = {f"{INVENTORY}/fabric.yaml": _dump({"fabric": data["fabric"]}),
             f"{INVENTORY}/allocations.yaml": allocations.read_bytes()}
    for site in data["sites"]:
        files[f"{INVENTORY}/sites/{site['name']}.yaml"] = _dump(site)
    return files


@cache
def base_tunnels(fixture: str) -> tuple[str, ...]:
    """Tunnel ids of a fixture, from its allocation file (for `{tunnel}` in state files)."""
    data = yaml.safe_load((FIXTURES / f"{fixture}.allocations.yaml").read_text("utf-8"))
    return tuple(sorted(data["tunnels"]))


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                          width=1 << 30).encode("utf-8")


# --------------------------------------------------------------------------- edits


@dataclass(frozen=True)
class Place:
    """Where an edited value sits in its file: the value's and its key's line:col."""

    file: str
    value: tuple[int, int]
    key: tuple[int, int]


def build(case: Case, work: Path) -> list[Place]:
    """Lay out the case folder: the fixture inventory, then each edit in order."""
    for relative, content in base_files(case.fixture, case.layout).items():
        target = work / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    places: list[Place] = []
    for edit in case.edits:
        place = apply_edit(edit, work, case.fixture)
        if place is not None:
            places.append(place)
    return places


def apply_edit(edit: dict[str, Any], work: Path, fixture: str) -> Place | None:
    relative = str(edit["file"])
    target = work / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    place = None
    if "set" in edit or "delete" in edit:
        place = _edit_data(edit, target, relative, fixture)
    elif any(k in edit for k in ("text", "hex", "json")):
        if target.is_symlink():  # replace it: never write through a link the case planted
            target.unlink()
        target.write_bytes(_content(edit, fixture))
    elif "special" in edit:
        _special(str(edit["special"]), target)
    elif "symlink" in edit:
        _remove(target)
        target.symlink_to(str(edit["symlink"]))
    elif edit.get("remove"):
        _remove(target)
    elif "truncate" in edit:
        target.write_bytes(target.read_bytes()[: int(edit["truncate"])])
    elif "drop_lines" in edit:
        lines = target.read_bytes().splitlines(keepends=True)
        target.write_bytes(b"".join(lines[: -int(edit["drop_lines"])]))
    if "mode" in edit:
        target.chmod(int(str(edit["mode"]), 8))
    return place


def _content(edit: dict[str, Any], fixture: str) -> bytes:
    if "hex" in edit:
        body = bytes.fromhex(str(edit["hex"]))
    elif "json" in edit:
        body = json.dumps(edit["json"]).encode()
    else:
        body = str(edit["text"]).encode("utf-8")
    tunnels = base_tunnels(fixture)
    body = body.replace(b"{tunnel}", tunnels[0].encode()).replace(b"{tunnel2}",
                                                                   tunnels[1].encode())
    body *= int(edit.get("repeat", 1))
    return str(edit.get("prefix", "")).encode() + body + str(edit.get("suffix", "")).encode()


def _special(kind: str, target: Path) -> None:
    """Replace `target` by a FIFO, a folder, or a symlink that leads nowhere."""
    _remove(target)
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    elif kind == "dangling-symlink":
        target.symlink_to(f"{target.name}.missing")
    elif kind == "symlink-loop":
        target.symlink_to(target.name)
    elif kind == "symlink-cycle":
        partner = target.with_name(f"{target.name}.other")
        target.symlink_to(partner.name)
        partner.symlink_to(target.name)
    else:
        raise CaseFormatError(f"special {kind!r}: use fifo, directory, dangling-symlink, "
                              "symlink-loop or symlink-cycle")


def _remove(target: Path) -> None:
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.is_symlink() or target.exists():
        target.unlink()


def _steps(path: Any, fixture: str | None = None) -> list[str | int]:
    """`a.0.b` or [a, 0, b]; `{tunnel}` and `{tunnel2}` name the fixture's tunnels."""
    parts = path if isinstance(path, list) else str(path).split(".")
    names = dict(zip(("{tunnel}", "{tunnel2}"), base_tunnels(fixture), strict=False)) \
        if fixture else {}
    return [int(p) if isinstance(p, int) or (isinstance(p, str) and p.isdigit())
            else names.get(str(p), str(p)) for p in parts]


def _edit_data(edit: dict[str, Any], target: Path, relative: str,
               fixture: str) -> Place | None:
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    steps = _steps(edit.get("set", edit.get("delete")), fixture)
    parent = data
    for step in steps[:-1]:
        parent = parent[step]
    if "delete" in edit:
        del parent[steps[-1]]
        target.write_bytes(_dump(data))
        return None
    value = edit["value"]
    if isinstance(value, str) and "repeat" in edit:
        value *= int(edit["repeat"])
    if isinstance(parent, list) and steps[-1] == len(parent):
        parent.append(value)
    else:
        parent[steps[-1]] = value
    target.write_bytes(_dump(data))
    return locate(target, relative, steps)


def locate(target: Path, relative: str, steps: list[str | int]) -> Place:
    """Line and column (1-based) of the value at `steps` and of its key."""
    node = yaml.compose(target.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert node is not None, f"{relative} is empty"
    key = node
    for step in steps:
        if isinstance(node, yaml.MappingNode):
            key, node = next((k, v) for k, v in node.value if k.value == step)
        else:
            assert isinstance(node, yaml.SequenceNode)
            node = key = node.value[int(step)]
    return Place(relative, _mark(node), _mark(key))


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# --------------------------------------------------------------------------- running


@dataclass
class Outcome:
    code: int | None
    stdout: str
    stderr: str
    problems: list[str] = field(default_factory=list)  # raised, hung, not UTF-8


def base_environment(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env.update({"NO_COLOR": "1", "SOURCE_DATE_EPOCH": "0", "COLUMNS": "200"})
    env.update(extra)
    return env


def run_case(case: Case, work: Path) -> Outcome:
    if case.isolate:
        return run_child(list(case.run), work, base_environment(case.env), case.limits,
                         case.umask)
    return run_in_process(list(case.run), work, base_environment(case.env), case.umask)


def run_in_process(argv: list[str], work: Path, env: dict[str, str],
                   umask: int | None = None, interrupt_ms: int | None = None) -> Outcome:
    """`netorch.cli.main(argv)` in `work`, stdout and stderr as UTF-8 byte streams (as a
    terminal has them: writing text that is not UTF-8 fails, as it would there).
    `interrupt_ms`: Ctrl-C (KeyboardInterrupt) that long into the run (in a child only)."""
    problems: list[str] = []
    code: int | None = None
    with _chdir(work), _environ(env), _umask(umask), _captured() as streams:
        try:
            with _interrupt(interrupt_ms):
                code = main(argv)
        except KeyboardInterrupt:  # the alarm fired as main() returned: not netorch's
            if code is None:
                problems.append("KeyboardInterrupt escaped main()")
        except Exception:
            problems.append("main() raised instead of returning an exit code:\n"
                            + traceback.format_exc(limit=-6))
        if not isinstance(code, int) and not problems:
            problems.append(f"main() returned {code!r}, not an int")
    stdout, stderr = (_decode(s.buffer.getvalue(), name, problems)
                      for name, s in zip(("stdout", "stderr"), streams, strict=True))
    return Outcome(code, stdout, stderr, problems)


def run_child(argv: list[str], work: Path, env: dict[str, str], limits: dict[str, int],
              umask: int | None = None) -> Outcome:
    """`run_in_process` in a forked child, with a time limit, a memory limit (so reading
    /dev/zero ends) and optionally a file size limit (writes fail with EFBIG, as on a full
    disk). Forked, not exec'd: netorch is already imported, so this costs milliseconds."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; it never returns
        try:
            os.close(read_fd)
            _limit(limits)
            done = run_in_process(argv, work, env, umask, limits.get("interrupt_ms"))
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(json.dumps([done.code, done.stdout, done.stderr,
                                       done.problems]).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    data, hung = _read_until(read_fd, time.monotonic() + TIMEOUT)
    if hung:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if hung:
        return Outcome(None, "", "", [f"hung: still running after {TIMEOUT:.0f} s (killed)"])
    if not data:
        return Outcome(None, "", "", [f"the child died (wait status {status})"])
    code, stdout, stderr, problems = json.loads(data)
    return Outcome(code, stdout, stderr, problems)


def _limit(limits: dict[str, int]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    if "fsize" in limits:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits["fsize"], limits["fsize"]))


def _read_until(fd: int, deadline: float) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            if select.select([fd], [], [], remaining)[0]:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return b"".join(chunks), False
                chunks.append(chunk)
        return b"", True
    finally:
        os.close(fd)


def _decode(data: bytes, name: str, problems: list[str]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{name} is not UTF-8")
        return data.decode("utf-8", errors="replace")


@contextlib.contextmanager
def _interrupt(after_ms: int | None) -> Iterator[None]:
    """SIGINT's effect (KeyboardInterrupt) `after_ms` into the block, never after it."""
    if after_ms is None:
        yield
        return
    signal.signal(signal.SIGALRM, signal.default_int_handler)
    signal.setitimer(signal.ITIMER_REAL, after_ms / 1000)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    before = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)


@contextlib.contextmanager
def _umask(mask: int | None) -> Iterator[None]:
    before = os.umask(mask) if mask is not None else None
    try:
        yield
    finally:
        if before is not None:
            os.umask(before)


class _Stream(io.TextIOWrapper):
    buffer: io.BytesIO


@contextlib.contextmanager
def _captured() -> Iterator[tuple[_Stream, _Stream]]:
    streams = tuple(_Stream(io.BytesIO(), encoding="utf-8", errors="strict",
                            write_through=True) for _ in range(2))
    out, err = streams
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err
    out.flush()
    err.flush()


# --------------------------------------------------------------------------- snapshots

Entry = tuple[str, int, str]  # kind, mode, content digest or link target


def snapshot(root: Path) -> dict[str, Entry]:
    """Every path under `root` (symlinks not followed, FIFOs not opened)."""
    entries: dict[str, Entry] = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder, name)
            info = path.lstat()
            entries[path.relative_to(root).as_posix()] = _entry(path, info)
    return entries


def _entry(path: Path, info: os.stat_result) -> Entry:
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISLNK(info.st_mode):
        return "link", 0, os.readlink(path)
    if stat.S_ISDIR(info.st_mode):
        return "dir", mode, ""
    if not stat.S_ISREG(info.st_mode):
        return "special", mode, ""
    if info.st_size > 1 << 20:  # huge inputs: size and mtime are enough
        return "file", mode, f"{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"
    return "file", mode, hashlib.sha256(path.read_bytes()).hexdigest()


def changed_paths(before: dict[str, Entry], after: dict[str, Entry]) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


# --------------------------------------------------------------------------- checks


@dataclass
class Run:
    """Everything a check may look at."""

    case: Case
    work: Path
    places: list[Place]
    outcome: Outcome
    changed: list[str]
    after: dict[str, Entry]

    @property
    def output(self) -> str:
        return self.outcome.stdout + self.outcome.stderr

    def option(self, *names: str) -> str | None:
        argv = self.case.run
        for i, arg in enumerate(argv[:-1]):
            if arg in names:
                return argv[i + 1]
        return None

    def written_text(self) -> dict[str, str]:
        """New or changed regular files, as text."""
        texts = {}
        for path in self.changed:
            if self.after.get(path, ("",))[0] == "file" and (self.work / path).stat().st_size \
                    <= 1 << 24:
                texts[path] = (self.work / path).read_bytes().decode("utf-8", "replace")
        return texts

    def product(self) -> str:
        """The command's main output: the `--out` file if it wrote one, else stdout."""
        out = self.option("--out", "-o")
        if out is not None and (self.work / out).is_file():
            return (self.work / out).read_text(encoding="utf-8", errors="replace")
        return self.outcome.stdout


def invariants(run: Run) -> list[str]:
    """What every case must keep, whatever it expects."""
    problems = list(run.outcome.problems)
    problems += _no_traceback(run) + _clean_streams(run) + _diagnostics(run)
    problems += _writes_in_place(run) + _no_secret(run) + _written_files(run)
    return problems


def _no_traceback(run: Run) -> list[str]:
    return ["a Python traceback in the output"] if "Traceback (most recent call last)" \
        in run.output else []


def _clean_streams(run: Run) -> list[str]:
    problems = []
    for name, text in (("stdout", run.outcome.stdout), ("stderr", run.outcome.stderr)):
        found = CONTROL.search(text)
        if found:
            problems.append(f"{name} holds control character {found.group()!r} at "
                            f"{found.start()}: {_excerpt(text, found.start())}")
    return problems


def _diagnostics(run: Run) -> list[str]:
    """Every error or warning line is `FILE:LINE:COL: error: ...` naming a real file, or
    `netorch: error: ...` (click's own usage block allowed for exit 2)."""
    lines = run.outcome.stderr.splitlines()
    if run.case.run[:1] == ("validate",) and run.option("--format", "-f") in (None, "text"):
        lines += run.outcome.stdout.splitlines()
    problems = []
    for line in lines:
        finding = FINDING.match(line)
        if finding:
            if not os.path.lexists(run.work / finding["file"]):
                problems.append(f"a finding names a file that does not exist: {line[:160]!r}")
        elif DIAGNOSTIC.search(line) and not TOOL_MESSAGE.match(line) and not (
                run.outcome.code == 2 and CLICK_USAGE.match(line)):
            problems.append(f"malformed diagnostic line: {line[:160]!r}")
    return problems


def allowed_writes(run: Run) -> list[str]:
    allowed = list(run.case.writes)
    out = run.option("--out", "-o")
    if out is not None:
        allowed.append(os.path.normpath(out))
    if run.case.run[:1] == ("plan",):
        allowed += [f"{INVENTORY}/allocations.yaml", f"{INVENTORY}.allocations.yaml"]
    return allowed


def _writes_in_place(run: Run) -> list[str]:
    """Changes only at or below an allowed path (and new folders leading to one)."""
    allowed = allowed_writes(run)
    problems = []
    for path in run.changed:
        new_parent = run.after.get(path, ("",))[0] == "dir" and any(
            a.startswith(f"{path}/") for a in allowed)
        if not new_parent and not any(path == a or path.startswith(f"{a}/") for a in allowed):
            problems.append(f"wrote outside its place: {path} (allowed: {allowed or 'none'})")
        if path in run.after and TEMP_NAME.search(Path(path).name):
            problems.append(f"left a temp file: {path}")
    return problems


def secrets_of(run: Run) -> list[str]:
    values = [run.case.env.get(SECRET_ENV, "")]
    secret_file = run.option(SECRET_OPTION)
    if secret_file is not None:
        path = run.work / secret_file
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 1 << 16:
            values.append(path.read_bytes().decode("utf-8", "replace").strip())
    return [v for v in values if len(v.strip()) >= 6]


def _no_secret(run: Run) -> list[str]:
    problems = []
    for secret in secrets_of(run):
        if secret in run.output:
            problems.append("the master secret appears in the output")
        problems += [f"the master secret appears in {path}"
                     for path, text in run.written_text().items() if secret in text]
    return problems


def _written_files(run: Run) -> list[str]:
    problems = []
    redacted = "--redact" in run.case.run
    for path, text in run.written_text().items():
        try:
            (run.work / path).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"{path} is not UTF-8")
        found = CONTROL.search(text)
        if found:
            problems.append(f"{path} holds control character {found.group()!r}: "
                            f"{_excerpt(text, found.start())}")
        if redacted and DERIVED_KEY.search(text):
            problems.append(f"{path} holds a 64-hex-digit key although --redact was given")
    return problems


def _excerpt(text: str, at: int) -> str:
    return repr(text[max(0, at - 40): at + 40])


# --------------------------------------------------------------------------- expectations


def expectations(run: Run) -> list[str]:
    expect = run.case.expect
    problems = _absent(run, expect.get("absent", []))
    limit = expect.get("max_output")
    if limit is not None and len(run.output) > int(limit):
        problems.append(f"output is {len(run.output)} characters (at most {limit} expected)")
    problems += _alternative(run, expect)
    alternatives = expect.get("one_of", [])
    if alternatives:
        failures = [_alternative(run, alt) for alt in alternatives]
        if all(failures):
            problems.append("matches none of the expected outcomes:\n" + "\n".join(
                f"  - option {i + 1}: " + "; ".join(f) for i, f in enumerate(failures)))
    return problems


def _alternative(run: Run, expect: dict[str, Any]) -> list[str]:
    problems = []
    if "exit" in expect:
        wanted = expect["exit"] if isinstance(expect["exit"], list) else [expect["exit"]]
        if run.outcome.code not in wanted:
            problems.append(f"exit {run.outcome.code}, expected {' or '.join(map(str, wanted))}")
    for stream in ("stdout", "stderr", "output"):
        text = run.outcome.stdout if stream == "stdout" else run.outcome.stderr \
            if stream == "stderr" else run.output
        problems += [f"{stream} does not match /{pattern}/" for pattern in expect.get(stream, [])
                     if not re.search(pattern, text, re.MULTILINE)]
    if "error_at" in expect:
        problems += _error_at(run, expect["error_at"])
    problems += [f"changed {path}, which must stay as it was" for path in
                 expect.get("unchanged", []) if any(
                     c == path or c.startswith(f"{path}/") for c in run.changed)]
    for name in expect.get("checks", []):
        problems += CHECKS[name](run)
    return problems


def _error_at(run: Run, where: Any) -> list[str]:
    if where == "edit":
        if not run.places:
            raise CaseFormatError(f"{run.case.id}: error_at: edit, but no `set` edit")
        place = run.places[0]
    else:
        place = locate(run.work / where["file"], where["file"], _steps(where["at"]))
    heads = [f"{place.file}:{line}:{col}: error: " for line, col in {place.value, place.key}]
    lines = run.output.splitlines()
    if any(line.startswith(head) for line in lines for head in heads):
        return []
    return [f"no error at {' or '.join(h.strip() for h in heads)}"]


def _absent(run: Run, patterns: list[str]) -> list[str]:
    """No pattern may match stdout, stderr or a written file; every kind of line break a
    device or terminal honours counts as one."""
    texts = {"stdout": run.outcome.stdout, "stderr": run.outcome.stderr, **run.written_text()}
    problems = []
    for where, text in texts.items():
        flat = LINE_BREAKS.sub("\n", text)
        for pattern in patterns:
            found = re.search(pattern, flat, re.MULTILINE)
            if found:
                problems.append(f"{where} holds /{pattern}/: {_excerpt(flat, found.start())}")
    return problems


# --------------------------------------------------------------------------- named checks


def _check_json(run: Run) -> list[str]:
    try:
        json.loads(run.product())
    except ValueError as exc:
        return [f"output is not JSON: {exc}"]
    return []


def _check_sarif(run: Run) -> list[str]:
    problems = _check_json(run)
    if not problems and "runs" not in json.loads(run.product()):
        problems.append("SARIF output has no `runs`")
    return problems


def _check_junit(run: Run) -> list[str]:
    try:
        ET.fromstring(run.product().encode("utf-8"))
    except ET.ParseError as exc:
        return [f"JUnit output is not well-formed XML: {exc}"]
    return []


def _check_dot(run: Run) -> list[str]:
    dot = shutil.which("dot")
    if dot is None:
        return []
    done = subprocess.run([dot, "-Tcanon"], input=run.product().encode(), capture_output=True,
                          timeout=30, check=False)
    if done.returncode != 0:
        return [f"graphviz rejects the dot output: {done.stderr.decode(errors='replace')[:300]}"]
    return []


_TABLE_PIPE = re.compile(r"(?<!\\)\|")


def _check_md_tables(run: Run) -> list[str]:
    """Each Markdown table row has as many cells as its header."""
    problems, header = [], None
    for number, line in enumerate(run.product().splitlines(), start=1):
        if not line.startswith("|"):
            header = None
            continue
        cells = len(_TABLE_PIPE.findall(re.sub(r"`[^`]*`", "", line)))
        if header is None:
            header = cells
        elif cells != header:
            problems.append(f"Markdown table row {number} has {cells} pipes, its header "
                            f"{header}: {line[:120]!r}")
    return problems


def _check_md_fences(run: Run) -> list[str]:
    """Code fences open with a language and close bare, in pairs."""
    fences = [line for line in run.product().splitlines() if line.startswith("```")]
    opening = fences[0::2]
    closing = fences[1::2]
    if len(fences) % 2 or any(f == "```" for f in opening) or any(f != "```" for f in closing):
        return [f"unbalanced Markdown code fences: {fences}"]
    return []


def _check_unique_tunnels(run: Run) -> list[str]:
    """Distinct tunnels have distinct ids and addresses; distinct device pairs distinct keys."""
    try:
        plan = json.loads(run.product())
    except ValueError as exc:
        return [f"plan output is not JSON: {exc}"]
    tunnels = plan.get("tunnels", [])
    problems = []
    ids = [t["id"] for t in tunnels]
    if len(set(ids)) != len(ids):
        problems.append(f"tunnel ids collide: {sorted(i for i in ids if ids.count(i) > 1)}")
    addresses = [t[end]["address"] for t in tunnels for end in ("a", "b")]
    if len(set(addresses)) != len(addresses):
        problems.append("two tunnels share an address")
    pairs: dict[Any, set[Any]] = {}
    for t in tunnels:
        pairs.setdefault(t.get("key_ref"), set()).add(
            frozenset((t["a"]["device"], t["b"]["device"])))
    problems += [f"key reference {ref} is shared by device pairs {sorted(map(sorted, p))}"
                 for ref, p in pairs.items() if ref is not None and len(p) > 1]
    return problems


def _check_key_folders(run: Run) -> list[str]:
    """Files holding a key are private, and so are the folders holding them."""
    out = run.work / (run.option("--out", "-o") or "out")
    problems, keyed = [], 0
    for path in sorted(out.rglob("*")) if out.is_dir() else []:
        if not path.is_file() or not DERIVED_KEY.search(path.read_text("utf-8", "replace")):
            continue
        keyed += 1
        for item in (path, path.parent):
            mode = stat.S_IMODE(item.stat().st_mode)
            if mode & 0o077:
                problems.append(f"{item.relative_to(run.work)} holds keys but is mode "
                                f"{mode:04o}")
    return problems if keyed else ["no rendered file holds a key"]


def _check_lock_whole(run: Run) -> list[str]:
    """The allocation file is absent, or holds every tunnel and loopback of the fixture's."""
    lock = run.work / INVENTORY / "allocations.yaml"
    if not lock.exists():
        return []
    expected = yaml.safe_load(base_files(run.case.fixture, "dir")[
        f"{INVENTORY}/allocations.yaml"])
    try:
        found = yaml.safe_load(lock.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        return [f"the allocation file is damaged: {exc}"]
    problems = []
    for part in ("tunnels", "loopbacks"):
        held = found.get(part) if isinstance(found, dict) else None
        if not isinstance(held, dict) or set(held) != set(expected[part]):
            problems.append(f"the allocation file's {part} are incomplete")
    return problems


CHECKS: dict[str, Callable[[Run], list[str]]] = {
    "lock-whole-or-absent": _check_lock_whole,
    "json": _check_json,
    "sarif": _check_sarif,
    "junit": _check_junit,
    "dot": _check_dot,
    "md-tables": _check_md_tables,
    "md-fences": _check_md_fences,
    "unique-tunnels": _check_unique_tunnels,
    "key-folders-private": _check_key_folders,
}
