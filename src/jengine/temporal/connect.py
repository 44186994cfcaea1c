"""Connecting to a Temporal service: a self-hosted cluster, the dev server or Temporal Cloud.

:class:`Connection` holds what the command line gives: ``address`` (``HOST:PORT``),
``namespace``, TLS (server CA, client certificate and key for mTLS, or plain TLS with the
system roots) and the name of the environment variable holding an API key (Temporal Cloud;
sent as a bearer token, TLS is then on). Nothing secret is ever taken from the command line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client
from temporalio.service import TLSConfig

__all__ = ["BadConnection", "Connection", "connect"]


class BadConnection(Exception):
    """A connection setting that cannot work (a missing key variable, an unreadable file)."""


@dataclass(frozen=True)
class Connection:
    address: str
    namespace: str = "default"
    tls: bool = False
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    api_key_env: str | None = None

    def tls_config(self) -> TLSConfig | bool:
        if self.tls_cert is not None or self.tls_ca is not None:
            if (self.tls_cert is None) != (self.tls_key is None):
                raise BadConnection("--tls-cert and --tls-key go together")
            return TLSConfig(
                server_root_ca_cert=self.tls_ca.read_bytes() if self.tls_ca else None,
                client_cert=self.tls_cert.read_bytes() if self.tls_cert else None,
                client_private_key=self.tls_key.read_bytes() if self.tls_key else None)
        return self.tls or self.api_key_env is not None

    def api_key(self) -> str | None:
        if self.api_key_env is None:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise BadConnection(f"environment variable {self.api_key_env} is not set")
        return key


async def connect(conn: Connection) -> Client:
    """A client for ``conn`` (raises the SDK's error when the service is unreachable)."""
    return await Client.connect(conn.address, namespace=conn.namespace, tls=conn.tls_config(),
                                api_key=conn.api_key())
