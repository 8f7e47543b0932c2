"""Test PKI for the KDC-proxy scenarios: a CA and three server certificates signed by it.

usage: make_certs.py DIR
Writes DIR/ca.pem, and for each of good (localhost, 127.0.0.1, valid now), expired (localhost,
valid only in 2020) and wronghost (otherhost.example.test, valid now) a NAME.pem and NAME.key;
and selfsigned.pem/.key: localhost signing itself with CA:TRUE, as `openssl req -x509` makes.
"""
import datetime
import ipaddress
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write_key(path, key):
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder()
          .subject_name(name("Sesame test CA")).issuer_name(name("Sesame test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    (out / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    day = datetime.timedelta(days=1)
    servers = {
        "good": (["localhost"], now - day, now + 30 * day),
        "expired": (["localhost"], datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
                    datetime.datetime(2020, 2, 1, tzinfo=datetime.timezone.utc)),
        "wronghost": (["otherhost.example.test"], now - day, now + 30 * day),
    }
    for label, (hosts, start, end) in servers.items():
        key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.DNSName(h) for h in hosts]
        if hosts == ["localhost"]:
            sans.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        cert = (x509.CertificateBuilder()
                .subject_name(name(hosts[0])).issuer_name(ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(end)
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        (out / f"{label}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        write_key(out / f"{label}.key", key)


def self_signed(out):
    now = datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(name("localhost")).issuer_name(name("localhost"))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (out / "selfsigned.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    write_key(out / "selfsigned.key", key)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
    self_signed(Path(sys.argv[1]))
