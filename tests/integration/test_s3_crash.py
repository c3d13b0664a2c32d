"""S3 durability with a real kill -9: acknowledged objects survive with their bytes and
metadata; an upload cut off by the kill leaves nothing visible and no temp files."""
import os
import socket
import time

from fanoutd_process import Fanoutd
from s3_support import ACCOUNT, CREDENTIAL_ARGS, bucket_dir, s3_client


def test_kill9_during_and_after_puts(tmp_path):
    data_dir = str(tmp_path / "data")
    server = Fanoutd(*CREDENTIAL_ARGS, data_dir=data_dir)
    server.start()
    try:
        s3 = s3_client(server.endpoint)
        s3.create_bucket(Bucket="crash")
        acknowledged = {}
        for i in range(40):
            body = os.urandom(1000 + i * 997)
            s3.put_object(Bucket="crash", Key=f"landing_date=2024-01-01/obj-{i:03d}", Body=body, Metadata={"i": str(i)})
            acknowledged[f"landing_date=2024-01-01/obj-{i:03d}"] = body
        s3.put_object(Bucket="crash", Key="overwritten", Body=b"version 1")
        s3.put_object(Bucket="crash", Key="overwritten", Body=b"version 2")
        # An upload in flight: the header and half the body are sent, then the server dies.
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"PUT /crash/half HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n"
                     b"x-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\r\n" + b"x" * 5_000_000)
        time.sleep(0.3)
        server.kill9()
        sock.close()
    finally:
        if server.proc.poll() is None:
            server.kill9()

    server = Fanoutd(*CREDENTIAL_ARGS, data_dir=data_dir)
    server.start()
    try:
        s3 = s3_client(server.endpoint)
        listed = [o["Key"] for o in s3.get_paginator("list_objects_v2").paginate(Bucket="crash")
                  .build_full_result().get("Contents", [])]
        assert sorted(listed) == sorted(list(acknowledged) + ["overwritten"])
        for key, body in acknowledged.items():
            got = s3.get_object(Bucket="crash", Key=key)
            assert got["Body"].read() == body
            assert got["Metadata"]["i"] == str(int(key[-3:]))
        assert s3.get_object(Bucket="crash", Key="overwritten")["Body"].read() == b"version 2"
        assert not os.path.exists(os.path.join(bucket_dir(data_dir, "crash"), "half"))
        assert os.listdir(os.path.join(data_dir, "s3", ".tmp")) == []
        files = [os.path.join(d, f) for d, _, fs in os.walk(bucket_dir(data_dir, "crash")) for f in fs]
        assert len(files) == len(acknowledged) + 1
    finally:
        server.close()
