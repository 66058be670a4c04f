"""An SMTP sink for tests, on aiosmtpd: accepts mail on 127.0.0.1 and writes each message
to a directory, so that a test can check what arrived.

For message N it writes (complete files only: each is written under a temporary name, then
renamed; the .eml last):
  N.env   the envelope, one "key value" per line: "from <addr>", "to <addr>" (one line per
          recipient), "tls <version> <cipher>" or "tls none", "login <user>" or "login none",
          "mechanism PLAIN|LOGIN" or "mechanism none"
  N.eml   the DATA, byte for byte as received (dot-unstuffed)
When listening it writes the port number to the file "port" in the directory.

With --user, AUTH (PLAIN and LOGIN) is required before MAIL; with --tls starttls, AUTH is
offered only after STARTTLS.

Usage: smtp_sink.py --dir DIR [--tls none|starttls|implicit] [--cert PEM --key PEM]
                    [--require-starttls] [--user NAME --password PW]
                    [--exclude-mechanism PLAIN] [--tls12-ciphers OPENSSL-CIPHERS]
                    [--refuse ADDR=CODE TEXT]...
"""

import argparse
import asyncio
import os
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Sink:
    def __init__(self, directory, refusals):
        self.directory = directory
        self.refusals = refusals
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.refusals.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        tls = server.transport.get_extra_info("ssl_object") if server.transport else None
        lines = ["from " + (envelope.mail_from or "")]
        lines += ["to " + rcpt for rcpt in envelope.rcpt_tos]
        if tls is None:
            lines.append("tls none")
        else:
            lines.append("tls %s %s" % (tls.version(), tls.cipher()[0]))
        login, mechanism = session.auth_data or ("none", "none")
        lines.append("login " + login)
        lines.append("mechanism " + mechanism)
        write_atomically(base + ".env", ("\n".join(lines) + "\n").encode())
        write_atomically(base + ".eml", envelope.original_content or b"")
        return "250 2.0.0 Message accepted"


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        # handled=False: aiosmtpd answers 535 itself on failure.
        login = (auth_data.login.decode("utf-8", "replace"), mechanism) if ok else None
        return AuthResult(success=ok, handled=False, auth_data=login)


def tls_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.tls12_ciphers:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(args.tls12_ciphers)
    return ctx


def parse_refusals(items):
    refusals = {}
    for item in items:
        address, reply = item.split("=", 1)
        refusals[address.lower()] = reply
    return refusals


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--exclude-mechanism", action="append", default=[])
    parser.add_argument("--tls12-ciphers")
    parser.add_argument("--refuse", action="append", default=[])
    args = parser.parse_args()

    handler = Sink(args.dir, parse_refusals(args.refuse))
    ctx = tls_context(args) if args.tls != "none" else None
    options = dict(hostname="sink.test", data_size_limit=64 * 1024 * 1024)
    if args.tls == "starttls":
        options.update(tls_context=ctx, require_starttls=args.require_starttls)
    if args.user is not None:
        options.update(
            authenticator=Authenticator(args.user, args.password or ""),
            auth_required=True,
            # With STARTTLS, AUTH only once TLS is on; otherwise the connection is
            # either TLS from the start or plain on purpose.
            auth_require_tls=args.tls == "starttls",
            auth_exclude_mechanism=args.exclude_mechanism,
        )

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, loop=loop, **options),
        sock=sock,
        ssl=ctx if args.tls == "implicit" else None,
    )
    port = sock.getsockname()[1]
    write_atomically(os.path.join(args.dir, "port"), str(port).encode())
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
