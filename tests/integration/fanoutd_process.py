"""Starts and stops a real fanoutd for the integration tests (real HTTP on loopback,
real RocksDB on disk, real kill -9)."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fanoutd:
    def __init__(self, *extra_args, data_dir=None, port=None, durability="fsync", env=None):
        self.binary = os.environ.get("FANOUTD_BIN", "fanoutd")
        self.port = port or free_port()
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="fanoutd-test-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        self.durability = durability
        self.extra_args = list(extra_args)
        self.env = dict(os.environ)
        self.env.pop("FANOUT_CREDENTIALS", None)
        self.env.update(env or {})
        self.proc = None
        self.log_path = os.path.join(tempfile.gettempdir(), f"fanoutd-{self.port}.log")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        args = [self.binary, "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir,
                "--durability", self.durability, "--log-level", "warn", *self.extra_args]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"fanoutd exited with {self.proc.returncode}; log: {self.read_log()}")
            try:
                with urllib.request.urlopen(self.endpoint + "/_fanout/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("fanoutd did not become healthy; log: " + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("fanoutd did not stop within the grace period")
        return self.proc.returncode if self.proc else None

    def close(self):
        try:
            self.stop()
        finally:
            if self._tmp:
                self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


class TlsFanoutd(Fanoutd):
    """A fanoutd started with --tls-cert/--tls-key among its arguments. Its health check needs
    SSL_CERT_FILE to name the certificate."""

    @property
    def endpoint(self):
        return f"https://127.0.0.1:{self.port}"


def self_signed_certificate(directory):
    """A fresh RSA key and a self-signed certificate for 127.0.0.1 in `directory` (pathlib.Path):
    returns (key path, certificate path)."""
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return key, cert
