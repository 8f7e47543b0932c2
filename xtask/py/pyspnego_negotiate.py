"""A pyspnego Negotiate exchange in one process (pure-Python SPNEGO and NTLM on both sides).

Prints one line per token: `<initiator|acceptor> <base64>`, then `done <protocol>`.
The acceptor's users come from NTLM_USER_FILE (DOMAIN:user:password lines).
"""
import base64
import sys

import spnego

opts = spnego.NegotiateOptions.use_negotiate | spnego.NegotiateOptions.use_ntlm
client = spnego.client("EXAMPLE\\user1", "Passw0rd1", hostname="localhost",
                       service="HTTP", protocol="negotiate", options=opts)
server = spnego.server(hostname="localhost", service="HTTP",
                       protocol="negotiate", options=opts)


def emit(side, token):
    print(side, base64.b64encode(token).decode(), flush=True)


token = client.step()
while token is not None:
    emit("initiator", token)
    token = server.step(token)
    if token is None:
        break
    emit("acceptor", token)
    token = client.step(token)

if not (client.complete and server.complete):
    sys.exit("exchange did not complete")
if server.unwrap(client.wrap(b"ping").data).data != b"ping":
    sys.exit("wrap/unwrap failed")
print("done", server.negotiated_protocol, flush=True)
