"""An HTTP Negotiate client over one kept-alive connection, with pyspnego's pure-Python SPNEGO
and NTLM: the third-party NTLM peer for Sesame's axum layer.

usage: http_negotiate_client.py URL USER PASSWORD
Prints `<status> <body>`; exit status 0 on 200.
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
sys.exit(0 if r.status == 200 and ctx.complete else 1)
