"""The SSH side of the simulator: asyncssh servers on 127.0.0.1, one port per device.

One event loop in one background thread serves every device, so a test (or the
benchmark) can run hundreds of devices cheaply. Ports are chosen by the kernel
(port 0), so parallel test runs never collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import warnings
from collections.abc import Iterable
from typing import Any

import asyncssh

from netorch.sim.base import CliSession, SimDevice

# Modern exchanges first; group-exchange-sha256 because Netmiko's fortinet driver offers only the
# classic Diffie-Hellman exchanges real FortiGates speak.
KEX_ALGS = ["mlkem768x25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
            "diffie-hellman-group-exchange-sha256"]
warnings.filterwarnings("ignore", message="Diffie-Hellman over finite fields")
HANG_LIMIT = 120.0  # a hung command never outlives this (bounded loops, even in faults)


class _Server(asyncssh.SSHServer):
    def __init__(self, device: SimDevice) -> None:
        self.device = device

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        if self.device.faults.refuse:
            conn.abort()

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        if self.device.faults.reject_auth:
            return False
        return username == self.device.username and password == self.device.password


async def _read_line(process: asyncssh.SSHServerProcess[str]) -> str | None:
    while True:
        try:
            line = await process.stdin.readline()
        except (asyncssh.BreakReceived, asyncssh.SignalReceived, asyncssh.TerminalSizeChanged):
            continue
        except (asyncssh.DisconnectError, asyncssh.ConnectionLost, BrokenPipeError):
            return None
        return line if line else None


async def _hang(process: asyncssh.SSHServerProcess[str]) -> None:
    """Stop answering: swallow input until the client gives up or HANG_LIMIT passes."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_drain(process), HANG_LIMIT)


async def _drain(process: asyncssh.SSHServerProcess[str]) -> None:
    while await _read_line(process) is not None:
        pass


async def _serve(device: SimDevice, process: asyncssh.SSHServerProcess[str]) -> None:
    session: CliSession = device.session()
    process.stdout.write(session.banner() + session.prompt())
    try:
        while (line := await _read_line(process)) is not None:
            command = line.rstrip("\r\n")
            device.commands.append(command)
            if device.faults.match("drop_on", command):
                process.channel.get_connection().abort()
                return
            if device.faults.match("hang_on", command):
                await _hang(process)
                return
            reply = session.handle(command)
            if reply.action == "drop":
                process.stdout.write(reply.text)
                process.exit(0)
                return
            process.stdout.write(reply.text + session.prompt())
    finally:
        session.closed()
        with contextlib.suppress(Exception):
            process.exit(0)


class Simulator:
    """Serve `devices` over SSH until `stop()`; `device.port` says where each listens."""

    def __init__(self, devices: Iterable[SimDevice]) -> None:
        self.devices = {d.name: d for d in devices}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="netorch-sim")
        self._servers: list[asyncssh.SSHAcceptor] = []
        self._key = asyncssh.generate_private_key("ssh-ed25519")

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start_all(), self._loop).result(timeout=60)

    def call(self, func: Any, *args: Any) -> Any:
        """Run `func(*args)` on the simulator thread (device state lives there)."""

        async def _run() -> Any:
            return func(*args)

        return asyncio.run_coroutine_threadsafe(_run(), self._loop).result(timeout=30)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._stop_all(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    async def _start_all(self) -> None:
        for device in self.devices.values():
            server = await asyncssh.create_server(
                lambda d=device: _Server(d), "127.0.0.1", 0, server_host_keys=[self._key],
                process_factory=lambda p, d=device: _serve(d, p),
                encoding="utf-8", line_editor=True, keepalive_interval=0,
                kex_algs=KEX_ALGS,
                # a device that models a file system (Junos /var/tmp) serves SFTP
                sftp_factory=getattr(device, "sftp", None),
                login_timeout=30)
            device.port = server.get_port()
            self._servers.append(server)

    async def _stop_all(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 5)
        tasks = [t for t in asyncio.all_tasks(self._loop) if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
