"""`netorch report --state FILE`: any file is read safely or refused with one clean error
naming it (exit 1), never a traceback or a hang."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from netorch import api, cli
from netorch.errors import UserError
from netorch.report import make_report
from netorch.report.statefile import STATE_LIMIT, load_state
from netorch.verify import VerifyResult
from tests.report.conftest import EXAMPLE, FIXED_TIME, state_header

BAD_CONTENT = {
    "deep-lists": b"[" * 100_000 + b"]" * 100_000,
    "deep-objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "deep-in-a-field": b'{"tunnels": [], "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "not-utf8": b'{"tunnels": [{"id": "\xff\xfe"}]}',
    "utf16": '{"tunnels": []}'.encode("utf-16"),
    "not-json": b"{not json",
    "empty": b"",
    "huge-int": b'{"tunnels": [{"id": "x", "status": ' + b"9" * 5000 + b"}]}",
    "top-level-list": b'["not", "a", "mapping"]',
    "top-level-string": b'"tunnels"',
    "no-header": b'{"tunnels": []}',
}

END = {"device": "r1", "tunnel": "t", "status": "DOWN", "local": "a", "remote": "b"}
SESSION = {"device": "r1", "tunnel": "t", "neighbor": "100.64.0.1", "state": "Idle",
           "prefixes": None}
# A header as verify writes it, then a body that is not what verify writes: what the
# message says (it names the field and the type found, never the value).
BAD_SHAPES: dict[str, tuple[dict[str, object], str]] = {
    "tunnels-number": ({"tunnels": 5}, "tunnels: expected a list, got a number"),
    "tunnels-mapping": ({"tunnels": {"t": {"status": "DOWN"}}},
                        "tunnels: expected a list, got an object"),
    "tunnel-not-object": ({"tunnels": [1, 2]}, "tunnels[0]: expected an object, got a number"),
    "status-object": ({"tunnels": [{**END, "status": {"a": [1]}}]},
                      "tunnels[0].status: expected one of 'ESTABLISHED', 'DOWN', 'MISSING' or "
                      "'UNEXPECTED', got an object"),
    "status-unknown": ({"tunnels": [END, {**END, "status": "S3CR3T"}]},
                       "tunnels[1].status: expected one of 'ESTABLISHED'"),
    "status-lower-case": ({"tunnels": [{**END, "status": "established"}]},
                          "tunnels[0].status: expected one of"),
    "tunnel-list": ({"tunnels": [{**END, "tunnel": ["x"]}]},
                    "tunnels[0].tunnel: expected a string, got a list"),
    "device-missing": ({"tunnels": [{k: v for k, v in END.items() if k != "device"}]},
                       "tunnels[0].device: missing"),
    "detail-number": ({"tunnels": [{**END, "detail": 3}]},
                      "tunnels[0].detail: expected a string, got a number"),
    "bgp-object": ({"bgp": {"device": "x"}}, "bgp: expected a list, got an object"),
    "bgp-state-list": ({"bgp": [{**SESSION, "state": ["up"]}]},
                       "bgp[0].state: expected a string, got a list"),
    "prefixes-string": ({"bgp": [{**SESSION, "prefixes": "3"}]},
                        "bgp[0].prefixes: expected a whole number or null, got a string"),
    "prefixes-bool": ({"bgp": [{**SESSION, "prefixes": True}]},
                      "bgp[0].prefixes: expected a whole number or null, got true/false"),
    "prefixes-float": ({"bgp": [{**SESSION, "prefixes": 3.0}]},
                       "bgp[0].prefixes: expected a whole number or null, got a number"),
    "errors-value": ({"errors": {"S3CR3T-device": 1}},
                     "errors[…]: expected a string, got a number"),
}


def _expect_clean_error(state: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main(["report", EXAMPLE, "-f", "json", "--state", str(state)])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"netorch: error: {state.as_posix()}")
    return err


@pytest.mark.parametrize("case", sorted(BAD_CONTENT))
def test_bad_state_file_is_one_clean_error(case: str, at_root: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "verify.json"
    state.write_bytes(BAD_CONTENT[case])
    _expect_clean_error(state, capsys)
    with pytest.raises(UserError):
        load_state(state)


@pytest.mark.parametrize("case", sorted(BAD_SHAPES))
def test_a_body_unlike_verifys_is_one_clean_error(case: str, at_root: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    body, expected = BAD_SHAPES[case]
    state = tmp_path / "verify.json"
    state.write_text(json.dumps({**state_header(), **body}))
    err = _expect_clean_error(state, capsys)
    assert f"{state.as_posix()}: not verify's JSON: {expected}" in err, err
    assert "S3CR3T" not in err


def test_huge_state_file_is_refused_unread(at_root: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "verify.json"
    with state.open("wb") as handle:  # sparse: no disk used
        handle.truncate(STATE_LIMIT + 1)
    assert "too large" in _expect_clean_error(state, capsys)


def test_fifo_nobody_writes_is_an_error_without_waiting(at_root: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "verify.json"
    os.mkfifo(fifo)
    done = threading.Event()
    result: list[str] = []

    def run() -> None:
        result.append(_expect_clean_error(fifo, capsys))
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not done.wait(30):
        with fifo.open("wb"):  # unblock the reader so the thread ends
            pass
        pytest.fail("reading a FIFO as the state file hung")
    assert "not JSON" in result[0] or "empty" in result[0], result[0]


def test_a_pipe_is_read(at_root: Path, tmp_path: Path) -> None:
    """`--state <(netorch verify ... --format json)`: a pipe holding the JSON is read."""
    read_end, write_end = os.pipe()
    document = {**state_header(), "tunnels": []}
    os.write(write_end, json.dumps(document).encode())
    os.close(write_end)
    try:
        state = load_state(Path(f"/dev/fd/{read_end}"))
    finally:
        os.close(read_end)
    assert state.result == VerifyResult.read(document) and len(state.sha256) == 64


def test_device_is_refused(at_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "regular file" in _expect_clean_error(Path("/dev/zero"), capsys)


def test_unreadable_state_file(at_root: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    state = tmp_path / "verify.json"
    state.write_text("{}")
    state.chmod(0)
    _expect_clean_error(state, capsys)


def test_verify_output_and_extra_fields_are_read(at_root: Path, tmp_path: Path) -> None:
    inventory = api.load(EXAMPLE)
    tunnel = api.plan(inventory).tunnels[0]
    state = tmp_path / "verify.json"
    state.write_text(json.dumps({
        **state_header(), "ok": False, "errors": {"x": "timeout"}, "future": {"deep": [[[{}]]]},
        "tunnels": [{"id": tunnel.id, "device": tunnel.a.device, "tunnel": tunnel.id,
                     "status": "DOWN", "local": "a", "remote": "b", "detail": "no SA"}],
        "bgp": [{"device": tunnel.a.device, "tunnel": tunnel.id, "neighbor": "100.64.0.1",
                 "state": "Established", "up": True, "prefixes": 3}]}))
    report = make_report(inventory, state=state, generated_at=FIXED_TIME)
    assert report.tunnels[0].status == "DOWN"
    assert report.state is not None
    assert [s.prefixes_received for s in report.state.sessions] == [3]
