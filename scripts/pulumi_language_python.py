"""A minimal Pulumi language host for Python programs.

Why this exists: the Go module proxy this project may use serves pulumi's
pkg/v3 and sdk/v3 (so we build the CLI), but not the separate module that
holds the Go `pulumi-language-python` host. This host speaks the same
LanguageRuntime gRPC protocol, using the stubs that ship in the pinned pulumi
Python SDK, and runs the program the way the Go host does: through the
`pulumi-language-python-exec` script of the same pulumi release, with the
project's virtualenv interpreter.

Protocol, as the CLI drives it: it starts us with the engine address as the
last argument, reads our gRPC port from the first line of stdout, then calls
Handshake / GetPluginInfo / GetRequiredPackages / Run. Anything we print
afterwards on stdout/stderr is shown to the user, so the program's output is
simply inherited.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from concurrent import futures

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import (
    LanguageRuntimeServicer,
    add_LanguageRuntimeServicer_to_server,
    language_pb2,
    plugin_pb2,
)

# pulumi-language-python-exec exits 32 after it has already shown the user
# an actionable message; the engine must then not print a second error.
EXIT_MESSAGE_ALREADY_SHOWN = 32
EXEC_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pulumi-language-python-exec")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from orphan_watch import exit_when_orphaned  # noqa: E402

# Programs we started and that still run: killed with us if the CLI dies.
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


def _kill_programs() -> None:
    with _RUNNING_LOCK:
        for proc in _RUNNING:
            proc.kill()


def _options(info: language_pb2.ProgramInfo) -> dict:
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def _interpreter(info: language_pb2.ProgramInfo) -> str:
    """The virtualenv named in Pulumi.yaml's runtime options, else our own."""
    venv = _options(info).get("virtualenv")
    if not venv:
        return sys.executable
    if not os.path.isabs(venv):
        venv = os.path.join(info.root_directory, venv)
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        raise FileNotFoundError(
            f"runtime option virtualenv={venv!r} has no bin/python; run the bootstrap (make bootstrap)"
        )
    return python


class PythonLanguageHost(LanguageRuntimeServicer):
    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address

    def Handshake(self, request, context):
        if request.engine_address:
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=os.environ.get("PERSONAL_AS_PULUMI_VERSION", ""))

    def GetRequiredPlugins(self, request, context):
        # Providers are found on PATH (automatic plugin download is off).
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request, context):
        return language_pb2.GetRequiredPackagesResponse()

    def About(self, request, context):
        python = _interpreter(request.info)
        version = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()
        return language_pb2.AboutResponse(executable=python, version=version)

    def GetProgramDependencies(self, request, context):
        python = _interpreter(request.info)
        out = subprocess.run(
            [python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
            capture_output=True, text=True, check=False,
        ).stdout
        deps = [
            language_pb2.DependencyInfo(name=d["name"], version=d["version"])
            for d in (json.loads(out) if out.strip() else [])
        ]
        return language_pb2.GetProgramDependenciesResponse(dependencies=deps)

    def InstallDependencies(self, request, context):
        # The project's bootstrap owns the virtualenv; nothing to do here.
        return iter(())

    def Run(self, request, context):
        info = request.info
        try:
            python = _interpreter(info)
        except FileNotFoundError as err:
            return language_pb2.RunResponse(error=str(err))
        cmd = [
            python, "-u", EXEC_SCRIPT,
            "--monitor", request.monitor_address,
            "--engine", self.engine_address,
            "--project", request.project,
            "--stack", request.stack,
            "--pwd", request.pwd,
            "--parallel", str(request.parallel),
            "--organization", request.organization,
            "--root_directory", info.root_directory,
        ]
        if request.dryRun:
            cmd += ["--dry_run", "true"]
        cmd += [request.program or ".", *request.args]

        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        env.pop("PYTHONHOME", None)
        venv_bin = os.path.dirname(python)
        env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
        proc = subprocess.Popen(cmd, cwd=request.pwd or None, env=env)
        with _RUNNING_LOCK:
            _RUNNING.add(proc)
        rc = proc.wait()
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
        if rc == 0:
            return language_pb2.RunResponse()
        if rc == EXIT_MESSAGE_ALREADY_SHOWN:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"Program exited with non-zero exit code: {rc}")

    def Cancel(self, request, context):
        return empty_pb2.Empty()


def main() -> None:
    exit_when_orphaned(_kill_programs)
    engine_address = sys.argv[-1] if len(sys.argv) > 1 else ""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8),
        options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)],
    )
    add_LanguageRuntimeServicer_to_server(PythonLanguageHost(engine_address), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    # The CLI interrupts its plugins when it is done; that is a normal exit.
    signal.signal(signal.SIGINT, lambda *_: server.stop(0))
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    server.wait_for_termination()


if __name__ == "__main__":
    main()
