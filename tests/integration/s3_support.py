"""Helpers for the S3 suites: a fanoutd with verified SigV4 credentials, boto3 clients, and a
small independent SigV4 signer for requests boto3 cannot be made to send (aws-chunked with
chunk signatures, wrong payload hashes)."""
import datetime
import hashlib
import hmac
import http.client
import os
import urllib.parse

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
KEY, SECRET = "AKIDS3TESTS000000001", "s3-test-secret"
OTHER_KEY, OTHER_SECRET = "AKIDS3TESTS000000002", "s3-other-secret"
CREDENTIAL_ARGS = ("--credential", f"{KEY}:{SECRET}:{ACCOUNT}", "--credential",
                   f"{OTHER_KEY}:{OTHER_SECRET}:{OTHER_ACCOUNT}")


def s3_client(endpoint, key=KEY, secret=SECRET, region="us-east-1", **config):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, **config))


def bucket_dir(data_dir, bucket, account=ACCOUNT):
    return os.path.join(data_dir, "s3", account, bucket)


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret, date, region="us-east-1"):
    k = _hmac(("AWS4" + secret).encode(), date)
    k = _hmac(k, region)
    k = _hmac(k, "s3")
    return _hmac(k, "aws4_request")


def signed_request(port, method, path, body=b"", headers=None, payload_hash=None, key=KEY, secret=SECRET,
                   region="us-east-1", chunks=None, tamper_chunk=None, host=None):
    """Sends one SigV4-signed request. With `chunks` (a list of bytes) the body is sent in
    aws-chunked encoding with STREAMING-AWS4-HMAC-SHA256-PAYLOAD and a signature per chunk."""
    now = datetime.datetime.utcnow()
    amz_date, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = host or f"127.0.0.1:{port}"
    headers = dict(headers or {})
    headers["host"] = host
    headers["x-amz-date"] = amz_date
    if chunks is not None:
        payload_hash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        headers["content-encoding"] = "aws-chunked"
        headers["x-amz-decoded-content-length"] = str(sum(len(c) for c in chunks))
    elif payload_hash is None:
        payload_hash = hashlib.sha256(body).hexdigest()
    headers["x-amz-content-sha256"] = payload_hash
    names = sorted(h.lower() for h in headers)
    canonical_headers = "".join(f"{n}:{str(headers[n]).strip()}\n" for n in names)
    signed = ";".join(names)
    quoted_path, _, query = path.partition("?")
    params = sorted(urllib.parse.parse_qsl(query, keep_blank_values=True))
    canonical_query = "&".join(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                               for k, v in params)
    canonical = "\n".join([method, quoted_path, canonical_query, canonical_headers, signed, payload_hash])
    scope = f"{date}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    skey = signing_key(secret, date, region)
    signature = hmac.new(skey, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={signed}, "
                                f"Signature={signature}")
    if chunks is not None:
        empty = hashlib.sha256(b"").hexdigest()
        previous, encoded = signature, b""
        for i, chunk in enumerate(list(chunks) + [b""]):
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, empty,
                             hashlib.sha256(chunk).hexdigest()])
            chunk_sig = hmac.new(skey, sts.encode(), hashlib.sha256).hexdigest()
            previous = chunk_sig
            data = chunk
            if tamper_chunk is not None and i == tamper_chunk and chunk:
                data = bytes([chunk[0] ^ 1]) + chunk[1:]
            encoded += f"{len(chunk):x};chunk-signature={chunk_sig}\r\n".encode() + data + b"\r\n"
        body = encoded
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data
