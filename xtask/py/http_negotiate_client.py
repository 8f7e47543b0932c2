"""An HTTP Negotiate client over one kept-alive connection, with pyspnego's pure-Python SPNEGO
and NTLM: the third-party NTLM peer for Sesame's axum layer.

usage: http_negotiate_client.py URL USER PASSWORD [--again]
Prints `<status> <body>`; exit status 0 on 200. With --again, a second GET without
Authorization follows on the same connection (NTLM authenticated the connection) and its
`again <status> <body>` is printed too; both must be 200.
"""
import base64
import http.client
import sys
import urllib.parse

import spnego

url, user, password = sys.argv[1:4]
u = urllib.parse.urlsplit(url)
options = spnego.NegotiateOptions.use_ntlm | spnego.NegotiateOptions.use_negotiate
ctx = spnego.client(user, password, hostname=u.hostname, service="HTTP",
                    protocol="negotiate", options=options)
conn = http.client.HTTPConnection(u.hostname, u.port)
token = ctx.step()
while True:
    conn.request("GET", u.path, headers={"Authorization": "Negotiate " + base64.b64encode(token).decode()})
    r = conn.getresponse()
    body = r.read()
    offer = [v for k, v in r.getheaders() if k.lower() == "www-authenticate" and v.startswith("Negotiate ")]
    if r.status != 401 or not offer:
        break
    token = ctx.step(base64.b64decode(offer[0].split(" ", 1)[1]))
if offer and not ctx.complete:
    ctx.step(base64.b64decode(offer[0].split(" ", 1)[1]))  # the server's last token
print(r.status, body.decode().strip(), "complete:", ctx.complete)
ok = r.status == 200 and ctx.complete
if "--again" in sys.argv[4:]:
    conn.request("GET", u.path)
    again = conn.getresponse()
    print("again", again.status, again.read().decode().strip())
    ok = ok and again.status == 200
sys.exit(0 if ok else 1)
