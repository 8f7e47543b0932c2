"""An NTLM peer speaking Sesame's token line protocol (docs/cli.md), backed by pyspnego's
pure-Python NTLM or by MIT GSSAPI with gss-ntlmssp.

usage: ntlm_peer.py init|accept --backend pyspnego|gssapi [--user DOMAIN\\user --password P]
                    [--channel-bindings TEXT] [--service HTTP --hostname localhost]
Acceptors read users from NTLM_USER_FILE. Lines out: `token <b64>`, `done ntlm <peer>`,
`error peer <message>`, `wrapped <b64>`, `plain <b64>`; lines in: a base64 token, then
`wrap <b64>` / `unwrap <b64>`.
"""
import argparse
import base64
import sys

NTLM_OID = "1.3.6.1.4.1.311.2.2.10"


def out(line):
    print(line, flush=True)


def make(args):
    if args.backend == "pyspnego":
        import spnego
        from spnego.channel_bindings import GssChannelBindings
        cb = None
        if args.channel_bindings:
            cb = GssChannelBindings(application_data=args.channel_bindings.encode())
        opts = spnego.NegotiateOptions.use_ntlm
        if args.protocol == "negotiate":
            # pyspnego's own SPNEGO, over its pure-Python NTLM.
            opts |= spnego.NegotiateOptions.use_negotiate
        if args.role == "init":
            ctx = spnego.client(args.user, args.password, hostname=args.hostname, service=args.service,
                                protocol=args.protocol, options=opts, channel_bindings=cb)
        else:
            ctx = spnego.server(protocol=args.protocol, options=opts, channel_bindings=cb)
        return (ctx.step, lambda d: ctx.wrap(d).data, lambda d: ctx.unwrap(d).data,
                lambda: ctx.complete, lambda: f"{args.service}/{args.hostname}" if args.role == "init" else str(ctx.client_principal))
    import gssapi
    mech = gssapi.OID.from_int_seq(NTLM_OID)
    if args.role == "init":
        name = gssapi.Name(args.user, gssapi.NameType.user)
        creds = gssapi.raw.acquire_cred_with_password(name, args.password.encode(), usage="initiate", mechs=[mech]).creds
        target = gssapi.Name("HTTP@localhost", gssapi.NameType.hostbased_service)
        flags = gssapi.RequirementFlag.integrity | gssapi.RequirementFlag.confidentiality
        ctx = gssapi.SecurityContext(name=target, creds=creds, mech=mech, usage="initiate", flags=flags)
    else:
        ctx = gssapi.SecurityContext(creds=gssapi.Credentials(usage="accept", mechs=[mech]), usage="accept")
    # Reading the peer name of a gss-ntlmssp acceptor crashes python-gssapi (shared/peers notes).
    return (ctx.step, lambda d: ctx.wrap(d, True).message, lambda d: ctx.unwrap(d).message,
            lambda: ctx.complete, lambda: "HTTP/localhost" if args.role == "init" else "gss-ntlmssp-peer")


def main(args):
    step, wrap, unwrap, complete, peer = make(args)
    b64 = lambda b: base64.b64encode(b).decode()
    token = step(None) if args.role == "init" else None
    if args.role == "init":
        out("token " + b64(token))
    while not complete():
        line = sys.stdin.readline()
        if not line:
            return
        token = step(base64.b64decode(line.strip()))
        if token:
            out("token " + b64(token))
    out(f"done {args.protocol} " + peer())
    for line in sys.stdin:
        verb, _, data = line.strip().partition(" ")
        data = base64.b64decode(data)
        if verb == "wrap":
            out("wrapped " + b64(wrap(data)))
        elif verb == "unwrap":
            out("plain " + b64(unwrap(data)))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["init", "accept"])
    p.add_argument("--backend", choices=["pyspnego", "gssapi"], required=True)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--channel-bindings")
    p.add_argument("--service", default="HTTP", help="pyspnego initiator: the target's service")
    p.add_argument("--hostname", default="localhost", help="pyspnego initiator: the target's host")
    p.add_argument("--protocol", choices=["ntlm", "negotiate"], default="ntlm")
    a = p.parse_args()
    try:
        main(a)
    except Exception as e:  # the protocol's error line, then status 1
        out("error peer " + (type(e).__name__ + ": " + str(e)).replace("\n", " "))
        sys.exit(1)
