"""An MIT GSSAPI exchange in one process (python-gssapi over libgssapi_krb5).

usage: gssapi_exchange.py krb5|spnego USER PASSWORD
Acquires USER's credentials with PASSWORD (an AS exchange with the KDC in KRB5_CONFIG), then runs
initiator and acceptor (keytab from KRB5_KTNAME) for HTTP@localhost with mutual authentication.
Prints one line per token: `<initiator|acceptor> <base64>`, then `done <mech>`.
"""
import base64
import sys

import gssapi

MECHS = {"krb5": "1.2.840.113554.1.2.2", "spnego": "1.3.6.1.5.5.2"}
mech = gssapi.OID.from_int_seq(MECHS[sys.argv[1]])
user = gssapi.Name(sys.argv[2], gssapi.NameType.user)
creds = gssapi.raw.acquire_cred_with_password(
    user, sys.argv[3].encode(), usage="initiate", mechs=[mech]).creds
target = gssapi.Name("HTTP@localhost", gssapi.NameType.hostbased_service)
flags = gssapi.RequirementFlag.mutual_authentication | \
    gssapi.RequirementFlag.integrity | gssapi.RequirementFlag.confidentiality
init = gssapi.SecurityContext(name=target, creds=creds, mech=mech, usage="initiate",
                              flags=flags)
acc = gssapi.SecurityContext(creds=gssapi.Credentials(usage="accept"), usage="accept")


def emit(side, token):
    print(side, base64.b64encode(token).decode(), flush=True)


token = init.step()
while token:
    emit("initiator", token)
    token = acc.step(token)
    if not token:
        break
    emit("acceptor", token)
    token = init.step(token)

if not (init.complete and acc.complete):
    sys.exit("exchange did not complete")
if acc.unwrap(init.wrap(b"ping", True).message).message != b"ping":
    sys.exit("wrap/unwrap failed")
print("done", acc.mech, flush=True)
