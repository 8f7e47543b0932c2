"""A Kerberos peer speaking Sesame's token line protocol (docs/cli.md), backed by MIT GSSAPI
through python-gssapi: the raw krb5 mechanism (1.2.840.113554.1.2.2), not SPNEGO.

usage: krb5_peer.py init [--mech krb5|spnego] [--user U --password P [--ntlm-only]]
                         [--target HTTP@localhost] [--mutual] [--dce] [--delegate]
                         [--channel-bindings TEXT]
       krb5_peer.py accept [--mech krb5|spnego] [--ntlm-only] [--channel-bindings TEXT]
With --mech spnego MIT's SPNEGO negotiates krb5 or NTLM (gss-ntlmssp, NTLM_USER_FILE).
Initiators without --user use the ccache of KRB5CCNAME; acceptors the keytab of KRB5_KTNAME.
Lines out: `token <b64>`, `done krb5|spnego <peer> [flags=<n>] [delegated=<principal>]`,
`error peer <message>`, `wrapped <b64>`, `plain <b64>`; lines in: a base64 token, then
`wrap <b64>` / `unwrap <b64>`.
"""
import argparse
import base64
import sys

import gssapi
import gssapi.raw

KRB5 = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2")
SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
NTLM = gssapi.OID.from_int_seq("1.3.6.1.4.1.311.2.2.10")
# IAKerb (draft-ietf-kitten-iakerb): needs MIT 1.22's libraries (LD_LIBRARY_PATH).
IAKERB = gssapi.OID.from_int_seq("1.3.6.1.5.2.5")
F = gssapi.RequirementFlag


def out(line):
    print(line, flush=True)


def bindings(args):
    if not args.channel_bindings:
        return None
    return gssapi.raw.ChannelBindings(application_data=args.channel_bindings.encode())


def make(args):
    mech = {"spnego": SPNEGO, "iakerb": IAKERB}.get(args.mech, KRB5)
    if args.role == "init":
        creds = None
        if args.user:
            if args.ntlm_only:
                # MIT SPNEGO offers what the credentials cover: NTLM alone (gss-ntlmssp).
                name = gssapi.Name(args.user, gssapi.NameType.user)
                creds = gssapi.raw.acquire_cred_with_password(
                    name, args.password.encode(), usage="initiate", mechs=[NTLM]).creds
            else:
                # For SPNEGO the handle must hold a SPNEGO element (MIT's mechglue looks the
                # context's mechanism up in it); SPNEGO's covers krb5 with the password.
                name = gssapi.Name(args.user, gssapi.NameType.kerberos_principal)
                creds = gssapi.raw.acquire_cred_with_password(
                    name, args.password.encode(), usage="initiate", mechs=[mech]).creds
        flags = F.integrity | F.confidentiality | F.replay_detection | F.out_of_sequence_detection
        if args.mutual:
            flags |= F.mutual_authentication
        if args.dce:
            flags |= F.dce_style | F.mutual_authentication
        if args.delegate:
            flags |= F.delegate_to_peer
        target = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
        return gssapi.SecurityContext(name=target, creds=creds, mech=mech, usage="initiate",
                                      flags=flags, channel_bindings=bindings(args))
    creds = gssapi.Credentials(usage="accept", mechs=[mech])
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
    elif args.ntlm_only:
        # Reading the peer name of a gss-ntlmssp acceptor crashes python-gssapi (peer notes).
        peer = "ntlm-peer"
    else:
        peer = str(ctx.initiator_name)
    extra = f" flags={int(ctx.actual_flags)}"
    if args.role == "accept" and ctx.delegated_creds is not None:
        extra += f" delegated={ctx.delegated_creds.name}"
    out(f"done {args.mech} {peer}{extra}")
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
    p.add_argument("--mech", choices=["krb5", "spnego", "iakerb"], default="krb5")
    p.add_argument("--ntlm-only", action="store_true",
                   help="initiator: NTLM credentials only; acceptor: do not read the peer name")
    main(p.parse_args())
