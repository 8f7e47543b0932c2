"""An HTTPS server that requires HTTP Negotiate with Extended Protection, backed by MIT GSSAPI
through python-gssapi: SPNEGO with krb5 (the keytab of KRB5_KTNAME) or NTLM (gss-ntlmssp,
NTLM_USER_FILE), the acceptor given `tls-server-end-point` channel bindings (RFC 5929), as IIS
with Extended Protection "Required".

usage: https_negotiate_server.py PORT CERT KEY [BIND_TO]
Serves CERT; the acceptor binds to BIND_TO's certificate (default: CERT). A BIND_TO other than
CERT is what a relay terminating TLS with its own certificate looks like to the client's token.
Each connection keeps its context (NTLM's legs go to the same acceptor); GET answers 200 with
`hello <initiator>` once the context completes, with the last token in WWW-Authenticate.
"""
import base64
import http.server
import ssl
import sys

import gssapi
import gssapi.raw
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")


def end_point(path):
    """RFC 5929 4.1: the certificate's hash with its signature's hash, SHA-256 for MD5/SHA-1."""
    with open(path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    algorithm = cert.signature_hash_algorithm
    if algorithm is None or algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(cert.public_bytes(serialization.Encoding.DER))
    return b"tls-server-end-point:" + digest.finalize()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bindings = None
    ctx = None

    def reply(self, status, body, token=None, offer=False):
        self.send_response(status)
        if token:
            self.send_header("WWW-Authenticate", "Negotiate " + base64.b64encode(token).decode())
        elif offer:
            self.send_header("WWW-Authenticate", "Negotiate")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Negotiate "):
            return self.reply(401, b"", offer=True)
        if self.ctx is None:
            creds = gssapi.Credentials(usage="accept", mechs=[SPNEGO])
            bindings = gssapi.raw.ChannelBindings(application_data=Handler.bindings)
            self.ctx = gssapi.SecurityContext(creds=creds, usage="accept",
                                              channel_bindings=bindings)
        token = None
        try:
            token = self.ctx.step(base64.b64decode(auth[len("Negotiate "):]))
            complete = self.ctx.complete  # python-gssapi raises a failed step's error here
        except gssapi.exceptions.GSSError as e:
            # Refused: the reject token (if MIT made one) goes back, as IIS sends its own.
            self.ctx = None
            return self.reply(401, ("refused: %s\n" % e).encode(), token, offer=not token)
        if not complete:
            return self.reply(401, b"", token)
        user = str(self.ctx.initiator_name)
        self.ctx = None
        self.reply(200, ("hello %s\n" % user).encode(), token)

    def log_message(self, fmt, *args):
        sys.stderr.write(fmt % args + "\n")


def main(port, cert, key, bind_to=None):
    Handler.bindings = end_point(bind_to or cert)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:])
