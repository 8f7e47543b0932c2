"""FreeIPA's kdcproxy (MS-KKDCP) served over HTTPS on 127.0.0.1 with Python's wsgiref.

usage: kdcproxy_serve.py PORT CERT KEY REALM KDC_HOST:KDC_PORT
Prints `listening` once the socket is bound; serves until killed.
"""
import os
import select
import socketserver
import ssl
import sys
import tempfile
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Threaded(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def clamp_select_timeout():
    """kdcproxy checks that time is left, then passes `end - time.time()` to select(), which
    can be just below zero by then: a ValueError and an HTTP 500 instead of its 503 "Remote
    unavailable" (seen once in CI with the KDC down). No time left means a zero timeout."""
    original = select.select

    def clamped(r, w, x, timeout=None):
        return original(r, w, x, None if timeout is None else max(timeout, 0))

    select.select = clamped


def main(port, cert, key, realm, kdc):
    clamp_select_timeout()
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write(f"[global]\nuse_dns = false\n[{realm}]\nkerberos = kerberos+tcp://{kdc}\n")
    conf.close()
    os.environ["KDCPROXY_CONFIG"] = conf.name
    import kdcproxy  # reads KDCPROXY_CONFIG when the application is made
    server = make_server("127.0.0.1", int(port), kdcproxy.Application(),
                         server_class=Threaded, handler_class=Quiet)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:6])
