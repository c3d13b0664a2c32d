#!/usr/bin/python3
"""Independent oracle for the SigV4 module.

Generates random requests (methods, odd paths, query parameters, duplicate and badly spaced
headers, binary bodies, session tokens, Date instead of X-Amz-Date, S3 and non-S3 services),
signs them with Debian's python3-botocore (SigV4Auth / S3SigV4Auth and the presigning
SigV4QueryAuth / S3SigV4QueryAuth), then asks sigv4_tool to
  1. verify botocore's signed request with the clock frozen near the signing time,
  2. refuse the same request with one byte added to its path, and
  3. sign (or presign) the unsigned request itself: the signature must equal botocore's.

Usage: botocore_oracle.py <path to sigv4_tool> [count] [seed]
Exit status: 0 all agree, 1 a disagreement, 77 botocore not importable (ctest: skipped).
"""
import base64
import copy
import datetime
import json
import random
import subprocess
import sys
import types
from urllib.parse import quote, urlencode, urlsplit

try:
    import botocore
    import botocore.auth as botocore_auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("botocore is not importable; skipping", file=sys.stderr)
    sys.exit(77)

# botocore reads the clock through datetime.datetime.utcnow(); freeze it per request.
_frozen = [datetime.datetime(2015, 8, 30, 12, 36, 0)]


class _FrozenDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return _frozen[0]


botocore_auth.datetime = types.SimpleNamespace(datetime=_FrozenDateTime)
if hasattr(botocore_auth, "get_current_datetime"):  # newer botocore reads the clock through this
    botocore_auth.get_current_datetime = lambda *args, **kwargs: _frozen[0]

ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SERVICES = ["sqs", "sns", "firehose", "cloudformation", "execute-api", "service", "s3", "s3"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]
# Characters for keys, segments and values: unreserved, reserved, percent, plus, space, unicode.
ODD = list("abcXYZ019-._~ !$&'()*+,;=:@/%?#[]\"<>\\^`{|}") + ["\u00e9", "\u1234", "\U0001F600", "%41", "%2F", "%zz"]
# Sub-delimiters that may appear unescaped in a URL path.
RAW_PATH_OK = list("abc09-._~!$&'()*+,;=:@") + ["%20", "%2F", "%25", "%41", "%e1%88%b4"]
HEADER_VALUE = list("abcXYZ0129-_.,;:/\"'=()[]{}<>?@!#$%^&*+|~`") + [" ", "  ", "\t"]


def rand_text(rng, alphabet, lo, hi):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def random_path(rng, s3):
    if s3:
        key_segments = []
        for _ in range(rng.randint(0, 4)):
            key_segments.append(rng.choice(["", ".", "..", rand_text(rng, ODD, 1, 8)]))
        key = "/".join(key_segments)
        prefix = "/bucket-" + str(rng.randint(0, 9)) if rng.random() < 0.7 else ""
        # botocore's rest-xml serializer escapes the key like this (greedy label).
        return prefix + "/" + quote(key, safe="/~")
    segments = []
    for _ in range(rng.randint(0, 5)):
        kind = rng.random()
        if kind < 0.15:
            segments.append(rng.choice(["", ".", ".."]))
        elif kind < 0.6:
            # A label serialized by a REST serializer: escapes that the signer must escape again.
            segments.append(quote(rand_text(rng, ODD, 1, 8), safe=""))
        else:
            segments.append(rand_text(rng, RAW_PATH_OK, 1, 6))
    path = "/" + "/".join(segments)
    if rng.random() < 0.2:
        path += "/"
    return path


def random_params(rng, unique):
    params = []
    seen = set()
    for _ in range(rng.randint(0, 6)):
        key = rand_text(rng, ODD, 1, 6)
        if key.lower().startswith("x-amz-") or (unique and key in seen):
            continue
        seen.add(key)
        value = rand_text(rng, ODD, 0, 8)
        params.append((key, value))
        if not unique and rng.random() < 0.2:
            params.append((key, rand_text(rng, ODD, 0, 4)))  # repeated key
    return params


def random_headers(rng, host):
    headers = [("Host", host)]
    for i in range(rng.randint(0, 5)):
        name = rng.choice(["X-Fanout-", "x-custom-", "My-Header", "X-Amz-Meta-"]) + str(i)
        name = "".join(c.upper() if rng.random() < 0.3 else c for c in name)
        value = rand_text(rng, HEADER_VALUE, 0, 12)
        if rng.random() < 0.3:
            value = "  " + value + " \t "
        headers.append((name, value))
        if rng.random() < 0.2:
            headers.append((name.lower(), rand_text(rng, HEADER_VALUE, 0, 6)))  # duplicate
    if rng.random() < 0.3:
        headers.append(("Content-Type", rng.choice(["application/json", "application/x-amz-json-1.0", "text/plain"])))
    return headers


def amz(dt):
    return dt.strftime("%Y%m%dT%H%M%SZ")


def build_request(rng, s3, presign, use_https):
    method = rng.choice(METHODS)
    port = rng.choice(["", ":4566", ":443"])
    host = ("bucket.s3.amazonaws.com" if s3 and rng.random() < 0.3 else "127.0.0.1") + port
    url = ("https://" if use_https else "http://") + host + random_path(rng, s3)
    params = random_params(rng, unique=presign)
    body = b""
    if not presign and method in ("POST", "PUT", "PATCH") and rng.random() < 0.8:
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    in_url = params and not presign and rng.random() < 0.3
    if in_url:
        # Query already in the URL, escaped as a serializer would: botocore signs it as it stands.
        url += "?" + "&".join(quote(k, safe="-_.~") + "=" + quote(v, safe="-_.~") for k, v in params)
        params = []
    request = AWSRequest(method=method, url=url, data=body, params=params)
    for name, value in random_headers(rng, host):
        request.headers[name] = value  # HTTPHeaders.__setitem__ appends, so duplicates survive
    return request


def wire_target(url):
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def headers_list(request, drop=()):
    return [[k, v] for k, v in request.headers.items() if k.lower() not in drop]


def main():
    tool = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20150830
    rng = random.Random(seed)

    lines = []
    expected = {}
    for i in range(count):
        service = rng.choice(SERVICES)
        s3 = service == "s3"
        region = rng.choice(REGIONS)
        presign = rng.random() < 0.3
        use_https = rng.random() < 0.3
        token = rand_text(rng, list("AQoDYXdz+/=09"), 10, 40) if rng.random() < 0.3 else None
        when = datetime.datetime(2000, 1, 1) + datetime.timedelta(seconds=rng.randrange(0, 30 * 365 * 86400))
        _frozen[0] = when
        creds = Credentials(ACCESS_KEY, SECRET, token)

        request = build_request(rng, s3, presign, use_https)
        use_date_header = not presign and rng.random() < 0.1
        if use_date_header:
            request.headers["Date"] = "placeholder"  # botocore rewrites it and drops X-Amz-Date
        if not presign and use_https and rng.random() < 0.3:
            # Payload signing off: botocore declares UNSIGNED-PAYLOAD (S3 only with a checksum).
            request.context["payload_signing_enabled"] = False
            if s3:
                request.headers["Content-MD5"] = base64.b64encode(b"0123456789abcdef").decode()

        # The unsigned request as our signer sees it.
        unsigned_target = wire_target(request.prepare().url)
        unsigned_body = request.body or b""
        expires = rng.randint(1, 604800)
        if presign:
            signer_cls = botocore_auth.S3SigV4QueryAuth if s3 else botocore_auth.SigV4QueryAuth
            signer = signer_cls(creds, service, region, expires=expires)
        else:
            signer = (botocore_auth.S3SigV4Auth if s3 else botocore_auth.SigV4Auth)(creds, service, region)
        signer.add_auth(request)
        prepared = request.prepare()
        signed_target = wire_target(prepared.url)
        body = request.body or b""
        if presign:
            signature = dict(p.split("=", 1) for p in urlsplit(prepared.url).query.split("&"))["X-Amz-Signature"]
            offset = rng.randint(-600, expires)
        else:
            signature = request.headers["Authorization"].rsplit("Signature=", 1)[1]
            offset = rng.randint(-890, 890)
        canonical = None
        if not presign:
            unsigned = copy.deepcopy(request)
            del unsigned.headers["Authorization"]
            canonical = signer.canonical_request(unsigned)
        description = {
            "service": service, "presign": presign, "https": use_https, "token": bool(token),
            "method": request.method, "unsigned_target": unsigned_target, "signed_target": signed_target,
            "headers": headers_list(request), "botocore_canonical_request": canonical,
        }
        expected[i] = (signature, description)

        lines.append({
            "id": f"verify-{i}", "op": "verify", "method": request.method, "target": signed_target,
            "headers": headers_list(request), "body_b64": base64.b64encode(body).decode(),
            "secret": SECRET, "now": amz(when + datetime.timedelta(seconds=offset)), "normalize": not s3,
        })
        # The same request with one path byte added must be refused: the tool is not a rubber stamp.
        tampered = dict(lines[-1])
        path, sep, query = signed_target.partition("?")
        tampered.update({"id": f"tamper-{i}", "target": path + "x" + sep + query})
        lines.append(tampered)
        if use_date_header:
            continue  # botocore swapped X-Amz-Date for Date; our signer always writes X-Amz-Date
        drop = ("authorization",) if not presign else ()
        lines.append({
            "id": f"sign-{i}", "op": "presign" if presign else "sign", "method": request.method,
            "target": unsigned_target, "headers": headers_list(request, drop),
            "body_b64": base64.b64encode(unsigned_body).decode(), "access_key": ACCESS_KEY, "secret": SECRET,
            "token": token or "", "region": region, "service": service, "time": amz(when), "normalize": not s3,
            "sign_body": False, "expires": expires,
        })

    proc = subprocess.run([tool], input="\n".join(json.dumps(l) for l in lines) + "\n",
                          capture_output=True, text=True, timeout=60)
    results = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
    if len(results) != len(lines):
        print(f"sigv4_tool answered {len(results)} of {len(lines)} requests; stderr:\n{proc.stderr}")
        return 1

    failures = 0
    for line, result in zip(lines, results):
        kind, index = line["id"].split("-")
        signature, description = expected[int(index)]
        if kind == "verify":
            ok = result.get("ok") is True
            problem = f"rejected: {result.get('failure')}: {result.get('message')}"
        elif kind == "tamper":
            ok = result.get("ok") is False and result.get("failure") == "signature_mismatch"
            problem = f"tampered request not refused: {result}"
        else:
            ok = result.get("signature") == signature
            problem = f"signature {result.get('signature')} != botocore {signature}"
        if not ok:
            failures += 1
            if failures <= 5:
                print(f"--- {line['id']}: {problem}")
                print(json.dumps(description, indent=1, ensure_ascii=True))
                print("ours canonical request:\n" + str(result.get("canonical_request")))
    checked = len(lines)
    print(f"{checked - failures}/{checked} checks agree with botocore {botocore.__version__} "
          f"({count} random requests, seed {seed})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
