"""A Kerberos peer speaking Sesame's token line protocol (docs/cli.md), backed by MIT GSSAPI
through python-gssapi: the raw krb5 mechanism (1.2.840.113554.1.2.2), not SPNEGO.

usage: krb5_peer.py init [--user U --password P] [--target HTTP@localhost] [--mutual] [--dce]
                         [--delegate] [--channel-bindings TEXT]
       krb5_peer.py accept [--channel-bindings TEXT]
Initiators without --user use the ccache of KRB5CCNAME; acceptors the keytab of KRB5_KTNAME.
Lines out: `token <b64>`, `done kerberos <peer> [flags=<n>] [delegated=<principal>]`,
`error peer <message>`, `wrapped <b64>`, `plain <b64>`; lines in: a base64 token, then
`wrap <b64>` / `unwrap <b64>`.
"""
import argparse
import base64
import sys

import gssapi
import gssapi.raw

KRB5 = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2")
F = gssapi.RequirementFlag


def out(line):
    print(line, flush=True)


def bindings(args):
    if not args.channel_bindings:
        return None
    return gssapi.raw.ChannelBindings(application_data=args.channel_bindings.encode())


def make(args):
    if args.role == "init":
        creds = None
        if args.user:
            name = gssapi.Name(args.user, gssapi.NameType.kerberos_principal)
            creds = gssapi.raw.acquire_cred_with_password(
                name, args.password.encode(), usage="initiate", mechs=[KRB5]).creds
        flags = F.integrity | F.confidentiality | F.replay_detection | F.out_of_sequence_detection
        if args.mutual:
            flags |= F.mutual_authentication
        if args.dce:
            flags |= F.dce_style | F.mutual_authentication
        if args.delegate:
            flags |= F.delegate_to_peer
        target = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
        return gssapi.SecurityContext(name=target, creds=creds, mech=KRB5, usage="initiate",
                                      flags=flags, channel_bindings=bindings(args))
    creds = gssapi.Credentials(usage="accept", mechs=[KRB5])
    return gssapi.SecurityContext(creds=creds, usage="accept", channel_bindings=bindings(args))


def main(args):
    b64 = lambda b: base64.b64encode(b).decode()
    try:
        ctx = make(args)
        if args.role == "init":
            out("token " + b64(ctx.step(None)))
        while not ctx.complete:
            line = sys.stdin.readline()
            if not line:
                return
            token = ctx.step(base64.b64decode(line.strip()))
            if token:
                out("token " + b64(token))
    except gssapi.exceptions.GSSError as e:
        out("error peer " + str(e).replace("\n", " "))
        sys.exit(1)
    if args.role == "init":
        peer = args.target
    else:
        peer = str(ctx.initiator_name)
    extra = f" flags={int(ctx.actual_flags)}"
    if args.role == "accept" and ctx.delegated_creds is not None:
        extra += f" delegated={ctx.delegated_creds.name}"
    out(f"done kerberos {peer}{extra}")
    for line in sys.stdin:
        verb, _, data = line.strip().partition(" ")
        data = base64.b64decode(data)
        if verb == "wrap":
            out("wrapped " + b64(ctx.wrap(data, True).message))
        elif verb == "unwrap":
            out("plain " + b64(ctx.unwrap(data).message))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["init", "accept"])
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--target", default="HTTP@localhost")
    p.add_argument("--mutual", action="store_true")
    p.add_argument("--dce", action="store_true")
    p.add_argument("--delegate", action="store_true")
    p.add_argument("--channel-bindings")
    main(p.parse_args())
