"""What Krill's build profile costs at run time: the bootstrap builds Krill
at a lower optimisation level than its own release profile (a cold build in
about half the time, scripts/install-krill.sh); this measures what that does
to the binaries' size and to Krill's speed on the work the stack gives it.

Each build is run as a testbed Krill on 127.0.0.1 (embedded TA, CA `testbed`
holding every resource), in a directory of its own, and timed on: start to
healthy, one delta adding `roas` ROAs (signed and published), listing them,
and removing them. Medians of `runs`; ratios are this build over the other.

    python -m bench.krill_build [--runs 3] [--roas 500] [--other DIR]

DIR is another build's bin directory (default: the one built with Krill's
own release profile, when this machine still has it).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from components.cache_dir import cache_dir
from components.stack import krill_binaries, versions

CACHE = cache_dir()
RESULTS = Path(__file__).resolve().parent / "results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port: int) -> bool:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # Krill's own generated certificate
    try:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/health", context=ctx, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def one_run(bin_dir: Path, roas: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="krill-bench-") as tmp:
        root, port, token = Path(tmp), free_port(), "bench-token-0123456789"
        url = f"https://localhost:{port}/"
        (root / "krill.conf").write_text("\n".join([
            'ip = "127.0.0.1"', f"port = {port}", f'storage_uri = "{root}/data/"', f'service_uri = "{url}"',
            f'admin_token = "{token}"', 'https_mode = "generate"', 'log_type = "stderr"', 'log_level = "warn"',
            "bgp_riswhois_enabled = false", "unix_socket_enabled = false",
            "[testbed]", f'rrdp_base_uri = "{url}rrdp/"', 'rsync_jail = "rsync://rir.lab/repo/"',
            'ta_aia = "rsync://rir.lab/ta/ta.cer"', f'ta_uri = "{url}ta/ta.cer"',
        ]) + "\n")
        env = {**os.environ, "KRILL_CLI_TOKEN": token, "KRILL_CLI_SERVER": f"https://127.0.0.1:{port}/"}

        def krillc(*args: str, stdin: str | None = None) -> float:
            start = time.monotonic()
            subprocess.run([str(bin_dir / "krillc"), *args], env=env, input=stdin, text=True,
                           capture_output=True, check=True)
            return time.monotonic() - start

        start = time.monotonic()
        with (root / "krill.log").open("w") as log:
            proc = subprocess.Popen([str(bin_dir / "krill"), "--config", str(root / "krill.conf")],
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while not healthy(port):
                if proc.poll() is not None or time.monotonic() - start > 120:
                    log = (root / "krill.log").read_text()[-2000:]
                    raise RuntimeError(f"krill from {bin_dir} did not start: {log}")
                time.sleep(0.05)
            started = time.monotonic() - start
            lines = [f"2001:db8:100:{i << 4:x}::/60-60 => 65536" for i in range(roas)]
            added = krillc("roas", "update", "--ca", "testbed", "--delta", "/dev/stdin",
                           stdin="".join(f"A: {line}\n" for line in lines))
            listed = krillc("roas", "list", "--ca", "testbed")
            removed = krillc("roas", "update", "--ca", "testbed", "--delta", "/dev/stdin",
                             stdin="".join(f"R: {line}\n" for line in lines))
        finally:
            proc.terminate()
            proc.wait(10)
    return {"start_to_healthy_s": started, "add_s": added, "list_s": listed, "remove_s": removed}


def measure_build(bin_dir: Path, runs: int, roas: int) -> dict:
    samples = [one_run(bin_dir, roas) for _ in range(runs)]
    out = {k: round(statistics.median(s[k] for s in samples), 3) for k in samples[0]}
    out["krill_bytes"] = (bin_dir / "krill").stat().st_size
    out["krillc_bytes"] = (bin_dir / "krillc").stat().st_size
    return out


def default_other() -> Path | None:
    """The build with Krill's own release profile (opt-level 3), if kept."""
    old = CACHE / f"krill-{versions()['KRILL_VERSION']}-core" / "bin"
    return old if (old / "krill").is_file() and old != Path(krill_binaries()["krill"]).parent else None


def measure(runs: int = 3, roas: int = 500, other: Path | None = None) -> dict:
    ours = Path(krill_binaries()["krill"]).parent
    result = {"roas": roas, "runs": runs, "opt_level": versions().get("KRILL_OPT_LEVEL", "3"),
              "this_build": {"dir": str(ours), **measure_build(ours, runs, roas)}}
    other = other or default_other()
    if other:
        result["other_build"] = {"dir": str(other), **measure_build(other, runs, roas)}
        a, b = result["this_build"], result["other_build"]
        result["ratio_this_over_other"] = {k: round(a[k] / b[k], 2) for k in a if k != "dir" and b.get(k)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--roas", type=int, default=500)
    parser.add_argument("--other", type=Path, help="another build's bin directory to compare with")
    args = parser.parse_args()
    result = measure(args.runs, args.roas, args.other)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "krill-build.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
