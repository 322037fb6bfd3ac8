"""Debian's nginx with the production site (deploy/nginx/campaign.conf) in front of a local app
server: on two free ports, its configuration, pid, temporary files and logs in one folder.

Used by tests/deploy/test_deployed.py and benchmarks/sign_load.py (its TLS variant), so both
measure and test the site exactly as docs/deploy.md installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SITE_TEMPLATE = ROOT / "deploy" / "nginx" / "campaign.conf"
# Debian installs nginx in /usr/sbin, which is not on an ordinary user's PATH.
NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


def render_site(values: dict[str, str]) -> str:
    """The site template with every @NAME@ placeholder replaced; a placeholder left unfilled
    or a value for none is an error, so the template and its users cannot drift apart."""
    template = SITE_TEMPLATE.read_text()
    names = set(PLACEHOLDER.findall(template))
    if names != set(values):
        raise ValueError(f"placeholders {sorted(names)}, values for {sorted(values)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


@dataclass
class Nginx:
    process: subprocess.Popen
    folder: Path
    https_port: int
    http_port: int

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def logs(self) -> dict[str, str]:
        """Every file nginx wrote its messages to, by name."""
        return {
            path.name: path.read_text(errors="replace")
            for path in sorted(self.folder.glob("*.log"))
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: logs flushed and closed
            self.process.wait(timeout=30)


def main_config(folder: Path, site: Path, workers: str = "1") -> str:
    """What Debian's /etc/nginx/nginx.conf says, with this folder's paths: an access log and
    an error log for every site (which the site must override), its mime types, its gzip."""
    # Started by root, workers would run as nobody, who may not read the checkout or this folder.
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
worker_processes {workers};
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{ worker_connections 1024; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {folder / "access.log"};
    gzip on;
{temp}
    include {site};
}}
"""


def start_nginx(
    folder: Path, upstream: str, certificate: Path, key: Path, workers: str = "1"
) -> Nginx:
    """nginx serving the production site on two free ports of this machine, in front of
    `upstream` (host:port), as a child process in the foreground."""
    folder.mkdir(parents=True, exist_ok=True)
    https_port, http_port = free_port(), free_port()
    site = folder / "campaign.conf"
    site.write_text(
        render_site(
            {
                "SERVER_NAME": "127.0.0.1",
                "BASE_URL": f"https://127.0.0.1:{https_port}",
                "HTTPS_PORT": str(https_port),
                "HTTP_PORT": str(http_port),
                "CERTIFICATE": str(certificate),
                "CERTIFICATE_KEY": str(key),
                "APP_DIR": str(ROOT),
                "UPSTREAM": upstream,
                "ERROR_LOG": str(folder / "campaign.error.log"),
            }
        )
    )
    config = folder / "nginx.conf"
    config.write_text(main_config(folder, site, workers))
    with (folder / "stderr.log").open("wb") as output:
        process = subprocess.Popen(
            [NGINX, "-e", str(folder / "error.log"), "-p", str(folder), "-c", str(config)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    nginx = Nginx(process, folder, https_port, http_port)
    wait_for_port(https_port, process, lambda: "\n".join(nginx.logs().values()))
    return nginx


def wait_for_port(port: int, process: subprocess.Popen, output, timeout: float = 60) -> None:
    """Return once something accepts connections on the port; fail with the process's output
    if it exits first or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{output()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s:\n{output()[-3000:]}")
