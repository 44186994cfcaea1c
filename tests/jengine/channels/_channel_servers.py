"""Real servers on 127.0.0.1 for the channel tests: SMTP (aiosmtpd) and HTTP providers.

* :class:`SmtpServer` — an aiosmtpd ``Controller`` on a free loopback port, optionally with
  STARTTLS (a throw-away self-signed certificate, :func:`make_cert`) and AUTH LOGIN/PLAIN;
  every accepted message is parsed with the ``email`` package. ``answers`` scripts the replies
  to DATA per recipient (``"451 …"`` once, then 250); ``on_data`` runs before a message is accepted (the
  crash tests kill the engine there).
* :class:`HttpServer` — a threaded ``http.server`` recording every request; ``reply`` maps a
  request to (status, JSON body). Requests carrying an ``Idempotency-Key`` already answered get
  the first answer again and are not counted as new messages (``accepted``), as a provider that
  honours idempotency keys does.
Servers stop when the test ends (context managers).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    login: bytes | None
    message: EmailMessage


@dataclass
class _Handler:
    answers: dict[str, list[str]] = field(default_factory=dict)
    on_data: Callable[[EmailMessage], str | None] | None = None
    on_mail: Callable[[], None] | None = None
    inbox: list[Received] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.on_mail is not None:
            self.on_mail()
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        assert isinstance(message, EmailMessage)
        if self.on_data is not None:
            answer = self.on_data(message)
            if answer is not None:
                self.refused += 1
                return answer
        with self.lock:
            script = self.answers.get(envelope.rcpt_tos[0], [])
            answer = script.pop(0) if script else "250 OK"
            if answer.startswith("250"):
                self.inbox.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                           session.auth_data, message))
            else:
                self.refused += 1
        return answer


class SmtpServer:
    """aiosmtpd on 127.0.0.1 (see the module docstring); ``url`` for the channel."""

    def __init__(self, folder: Path | None = None, user: str | None = None,
                 password: str | None = None, answers: dict[str, list[str]] | None = None,
                 on_data: Callable[[EmailMessage], str | None] | None = None,
                 implicit_tls: bool = False) -> None:
        import ssl

        self.handler = _Handler(dict(answers or {}), on_data)
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        self.cert: Path | None = None
        if folder is not None:
            self.cert, key = make_cert(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, key)
            if implicit_tls:        # SMTPS: TLS from the first byte
                kwargs.update(ssl_context=context)
            else:
                kwargs.update(tls_context=context, require_starttls=True)
        if user is not None:
            want = (user.encode(), (password or "").encode())

            def check(server: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
                ok = isinstance(data, LoginPassword) and (data.login, data.password) == want
                return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)

            kwargs.update(auth_required=True, authenticator=check,
                          auth_require_tls=folder is not None and not implicit_tls)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     **kwargs)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def smtps_url(self) -> str:
        return f"smtps://127.0.0.1:{self.port}"

    @property
    def inbox(self) -> list[Received]:
        return self.handler.inbox

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        from urllib.parse import parse_qsl
        return dict(parse_qsl(self.body.decode("utf-8")))


Reply = Callable[[Request], tuple[int, Any]]


class HttpServer:
    """A recording HTTP server on 127.0.0.1 (see the module docstring)."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[Request] = []
        self.accepted: list[Request] = []
        self.by_key: dict[str, tuple[int, bytes]] = {}
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request("POST", self.path, {k.lower(): v for k, v in
                                                      self.headers.items()},
                                  self.rfile.read(length))
                status, body = owner.handle(request)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, request: Request) -> tuple[int, bytes]:
        with self.lock:
            self.requests.append(request)
            key = request.headers.get("idempotency-key")
            if key is not None and key in self.by_key:
                return self.by_key[key]
            status, obj = self.reply(request)
            body = json.dumps(obj).encode("utf-8")
            if 200 <= status < 300:
                self.accepted.append(request)
                if key is not None:
                    self.by_key[key] = (status, body)
            return status, body

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> HttpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
