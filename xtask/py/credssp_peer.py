"""A CredSSP peer speaking Sesame's token line protocol (docs/cli.md), backed by pyspnego's
CredSSP (TLS by Python's ssl over memory BIOs, its pure-Python SPNEGO and NTLM inside, or with
--kerberos MIT GSSAPI's SPNEGO with Kerberos: KRB5_CONFIG, and KRB5_KTNAME for an acceptor).

usage: credssp_peer.py init --user DOMAIN\\user --password P [--hostname localhost] [--kerberos]
       credssp_peer.py accept --cert PEM --key PEM [--kerberos]
       credssp_peer.py make-cert DIR   (an RSA certificate as pyspnego makes its own: cert.pem,
                                        key.pem, and fingerprint: its SHA-256, hex)
Acceptors read users from NTLM_USER_FILE. Lines out: `token <b64>` (the TLS records; the
acceptor also sends an empty token when TLS has nothing to say, as pyspnego does), `done
credssp <peer>`, `error peer <message>`, `wrapped <b64>`, `plain <b64>`.
"""
import argparse
import base64
import hashlib
import ssl
import sys
from pathlib import Path


def out(line):
    print(line, flush=True)


def make_cert(directory):
    from spnego.tls import generate_tls_certificate
    cert_pem, key_pem, _ = generate_tls_certificate()
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    (d / "cert.pem").write_bytes(cert_pem)
    (d / "key.pem").write_bytes(key_pem)
    der = ssl.PEM_cert_to_DER_cert(cert_pem.decode())
    (d / "fingerprint").write_text(hashlib.sha256(der).hexdigest())


def make(args):
    import spnego
    opts = spnego.NegotiateOptions.none
    if not args.kerberos:
        opts = spnego.NegotiateOptions.use_negotiate | spnego.NegotiateOptions.use_ntlm
    if args.role == "init":
        return spnego.client(args.user, args.password, hostname=args.hostname, service="HTTP",
                             protocol="credssp", options=opts)
    from spnego.tls import default_tls_context, get_certificate_public_key
    tls = default_tls_context(usage="accept")
    tls.context.load_cert_chain(args.cert, args.key)
    der = ssl.PEM_cert_to_DER_cert(Path(args.cert).read_text())
    tls.public_key = get_certificate_public_key(der)
    return spnego.server(protocol="credssp", options=opts, credssp_tls_context=tls)


def main(args):
    ctx = make(args)
    b64 = lambda b: base64.b64encode(b).decode()
    if args.role == "init":
        out("token " + b64(ctx.step(None)))
    while not ctx.complete:
        line = sys.stdin.readline()
        if not line:
            return
        token = ctx.step(base64.b64decode(line.strip()))
        if token is not None:
            out("token " + b64(token))
    peer = f"HTTP/{args.hostname}" if args.role == "init" else str(ctx.client_principal)
    out("done credssp " + peer)
    for line in sys.stdin:
        verb, _, data = line.strip().partition(" ")
        data = base64.b64decode(data)
        if verb == "wrap":
            out("wrapped " + b64(ctx.wrap(data).data))
        elif verb == "unwrap":
            out("plain " + b64(ctx.unwrap(data).data))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make-cert":
        make_cert(sys.argv[2])
        sys.exit(0)
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["init", "accept"])
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--hostname", default="localhost")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--kerberos", action="store_true")
    a = p.parse_args()
    try:
        main(a)
    except Exception as e:  # the protocol's error line, then status 1
        out("error peer " + (type(e).__name__ + ": " + str(e)).replace("\n", " "))
        sys.exit(1)
