"""Limits and fairness (issue 9): caps on long polls, in-flight requests and request bodies held in
memory answer with each service's own throttling error, and a client that floods the server with
long polls or slow connections does not starve a normal client."""
import selectors
import socket
import ssl
import struct
import time
import urllib.parse

import pytest
from botocore.exceptions import ClientError

from conftest import client
from fanoutd_process import Fanoutd, TlsFanoutd, self_signed_certificate

FLOOD = 2000


def timed(call):
    began = time.monotonic()
    result = call()
    return result, time.monotonic() - began


def error_of(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["ResponseMetadata"]["HTTPStatusCode"], info.value.response["Error"]["Code"]


def content_length(head):
    """The Content-Length of a response head (status line and headers), 0 without one."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def read_response(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = content_length(head)
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return head + b"\r\n\r\n" + rest
    except socket.timeout:
        return data


def read_responses(sock, count, timeout):
    """`count` whole responses (Content-Length framed) read from `sock`, which may arrive together."""
    sock.settimeout(timeout)
    data, responses = b"", []
    while len(responses) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            length = content_length(data[:head_end])
            if len(data) >= head_end + 4 + length:
                responses.append(data[:head_end + 4 + length])
                data = data[head_end + 4 + length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(responses)} of {count} responses"
        data += chunk
    return responses


def signed_form_post(port, form, key, service="sqs"):
    """A query request SigV4-signed by botocore for access key `key` (12 digits: that account)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = urllib.parse.urlencode(form)
    request = AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(key, "test"), service, "us-east-1").add_auth(request)
    headers = b"".join(b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in request.headers.items()
                       if k.lower() != "content-type")
    return form_post(port, form, headers)


def form_post(port, form, extra_headers=b""):
    body = urllib.parse.urlencode(form).encode()
    return (b"POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n%s\r\n" % (port, len(body), extra_headers)) + body


@pytest.fixture(scope="module")
def capped():
    server = Fanoutd("--max-long-polls", "300", "--max-long-polls-per-account", "200",
                     "--max-buffered-body-bytes", "1000000", "--header-timeout-ms", "3000",
                     "--body-timeout-ms", "3000", durability="relaxed")
    server.start()
    yield server
    server.close()


def test_thousands_of_long_polls_are_capped_and_do_not_starve_a_normal_client(capped):
    # The flood: unsigned query requests (zero-config → account 000000000000), each a 20 s long poll.
    flood_sqs = client("sqs", capped.endpoint)
    url = flood_sqs.create_queue(QueueName="flood")["QueueUrl"]
    request = form_post(capped.port, {"Action": "ReceiveMessage", "QueueUrl": url, "WaitTimeSeconds": "10",
                                      "Version": "2012-11-05"})
    sockets = []
    try:
        for _ in range(FLOOD):
            s = socket.create_connection(("127.0.0.1", capped.port))
            s.sendall(request)
            sockets.append(s)
        # Every long poll over the account's cap (200) is answered at once with SQS's error; the
        # 200 admitted ones wait.
        unanswered, throttled, other = set(sockets), 0, 0
        waiting = selectors.DefaultSelector()
        for s in sockets:
            waiting.register(s, selectors.EVENT_READ)
        deadline = time.time() + 20
        while len(unanswered) > 200 and time.time() < deadline:
            for key, _ in waiting.select(timeout=0.5):
                s = key.fileobj
                waiting.unregister(s)
                unanswered.discard(s)
                response = read_response(s, 5)
                if response.startswith(b"HTTP/1.1 400") and b"<Code>RequestThrottled</Code>" in response:
                    throttled += 1
                else:
                    other += 1
        waiting.close()
        assert (throttled, other, len(unanswered)) == (FLOOD - 200, 0, 200)

        # Another account is untouched by account 000000000000's flood: its own long polls and
        # everything else answer promptly.
        other = client("sqs", capped.endpoint, key="222222222222")
        (answer, seconds) = timed(lambda: other.create_queue(QueueName="normal"))
        assert seconds < 1.0
        normal = answer["QueueUrl"]
        _, seconds = timed(lambda: other.send_message(QueueUrl=normal, MessageBody="hello"))
        assert seconds < 1.0
        answer, seconds = timed(lambda: other.receive_message(QueueUrl=normal, WaitTimeSeconds=5))
        assert seconds < 1.0 and answer["Messages"][0]["Body"] == "hello"
        # The flooding account itself can still do everything but wait.
        spare = flood_sqs.create_queue(QueueName="flood-spare")["QueueUrl"]  # not the one polled
        _, seconds = timed(lambda: flood_sqs.send_message(QueueUrl=spare, MessageBody="x"))
        assert seconds < 1.0
        # 200 (its cap) are parked; 100 more long polls fit under the global cap of 300.
        parked = []
        for _ in range(100):
            s = socket.create_connection(("127.0.0.1", capped.port))
            s.sendall(signed_form_post(capped.port, {"Action": "ReceiveMessage", "QueueUrl": normal,
                                                     "WaitTimeSeconds": "10", "Version": "2012-11-05"},
                                       "222222222222"))
            parked.append(s)
        sockets += parked
        time.sleep(0.5)
        # Now the global cap is full: a third account is throttled with SQS's error.
        third = client("sqs", capped.endpoint, key="333333333333")
        third_url = third.create_queue(QueueName="third")["QueueUrl"]
        assert error_of(lambda: third.receive_message(QueueUrl=third_url, WaitTimeSeconds=1)) == \
            (400, "RequestThrottled")
    finally:
        for s in sockets:
            s.close()
    # The slots come back as the flooding clients hang up, not when their 10 s waits would end.
    wait_for_long_poll_slot(flood_sqs, url, within=3)


def wait_for_long_poll_slot(sqs, url, within):
    deadline = time.time() + within
    while True:
        try:
            sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
            return
        except ClientError as e:
            assert e.response["Error"]["Code"] == "RequestThrottled"
            assert time.time() < deadline, "long-poll slots not released after the clients went away"
            time.sleep(0.1)


def test_a_long_poll_whose_client_hangs_up_ends_at_once_and_takes_no_message():
    server = Fanoutd("--max-long-polls-per-account", "4", durability="relaxed")
    server.start()
    try:
        sqs = client("sqs", server.endpoint)
        url = sqs.create_queue(QueueName="hang-up")["QueueUrl"]
        request = form_post(server.port, {"Action": "ReceiveMessage", "QueueUrl": url, "WaitTimeSeconds": "20",
                                          "Version": "2012-11-05"})
        polls = []
        for _ in range(4):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(request)
            polls.append(s)
        time.sleep(0.3)
        assert error_of(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)) == (400, "RequestThrottled")
        # Two hang up with a FIN, one with a reset; the fourth only half-closes (it may still read).
        polls[0].close()
        polls[1].close()
        polls[2].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        polls[2].close()
        polls[3].shutdown(socket.SHUT_WR)
        # The half-closed client gets its (empty) answer now, not after 20 s.
        answer, seconds = timed(lambda: read_response(polls[3], 5))
        polls[3].close()
        assert answer.startswith(b"HTTP/1.1 200") and b"<Message>" not in answer and seconds < 2, answer
        wait_for_long_poll_slot(sqs, url, within=2)
        # The polls that hung up left the queue's waiters: a message sent now goes to a live reader.
        sqs.send_message(QueueUrl=url, MessageBody="for the living")
        answer, seconds = timed(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5))
        assert [m["Body"] for m in answer["Messages"]] == ["for the living"] and seconds < 1
        # A long poll that waits its time out is answered as before, on a connection that stays usable.
        s = socket.create_connection(("127.0.0.1", server.port))
        short = form_post(server.port, {"Action": "ReceiveMessage", "QueueUrl": url, "WaitTimeSeconds": "1",
                                        "Version": "2012-11-05"})
        for _ in range(2):
            s.sendall(short)
            answer, seconds = timed(lambda: read_response(s, 5))
            assert answer.startswith(b"HTTP/1.1 200") and 0.9 < seconds < 3, (answer, seconds)
        s.close()
    finally:
        server.close()


@pytest.mark.parametrize("transport", ["plain", "tls"])
def test_a_long_poll_whose_client_hangs_up_behind_unread_bytes_ends_too(transport, tmp_path, monkeypatch):
    """A hang-up behind bytes the server has not read yet: the client pipelined part of its next
    request, or (TLS) its close sends a close_notify record before the FIN. The socket is then
    readable with data, yet the long poll must still end and leave the queue's waiters. A client
    that pipelines a request and stays keeps its long poll and gets both answers."""
    args = ["--max-long-polls-per-account", "2"]
    if transport == "tls":
        key, cert = self_signed_certificate(tmp_path)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # for the health check in Fanoutd.start()
        monkeypatch.setenv("AWS_CA_BUNDLE", str(cert))  # for boto3
        server = TlsFanoutd("--tls-cert", str(cert), "--tls-key", str(key), *args, durability="relaxed")
        context = ssl.create_default_context(cafile=str(cert))
    else:
        server = Fanoutd(*args, durability="relaxed")
    server.start()

    def connect():
        s = socket.create_connection(("127.0.0.1", server.port))
        return context.wrap_socket(s, server_hostname="127.0.0.1") if transport == "tls" else s

    try:
        sqs = client("sqs", server.endpoint)
        url = sqs.create_queue(QueueName="hang-up-behind-bytes")["QueueUrl"]

        def receive(wait):
            return form_post(server.port, {"Action": "ReceiveMessage", "QueueUrl": url, "WaitTimeSeconds": str(wait),
                                           "Version": "2012-11-05"})

        doomed = []
        for _ in range(2):
            s = connect()
            s.sendall(receive(20))
            doomed.append(s)
        time.sleep(0.3)
        assert error_of(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)) == (400, "RequestThrottled")
        doomed[0].sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # part of a next request, then gone
        doomed[0].close()
        if transport == "tls":
            doomed[1].settimeout(0.5)
            try:
                doomed[1].unwrap()  # close_notify; the FIN follows with close()
            except (OSError, ssl.SSLError):
                pass
        else:
            doomed[1].sendall(receive(0))  # a whole pipelined request, then a reset
            doomed[1].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        doomed[1].close()
        wait_for_long_poll_slot(sqs, url, within=1.5)
        # This client parks behind any doomed poll still waiting, pipelines a request, and stays.
        stayer = connect()
        stayer.sendall(receive(5))
        time.sleep(0.2)
        stayer.sendall(receive(0))
        wait_for_long_poll_slot(sqs, url, within=1.5)  # the second doomed poll's slot: both are gone
        sqs.send_message(QueueUrl=url, MessageBody="for the one still here")
        (answer, pipelined), seconds = timed(lambda: read_responses(stayer, 2, 5))
        assert answer.startswith(b"HTTP/1.1 200") and b"<Body>for the one still here</Body>" in answer, answer
        assert pipelined.startswith(b"HTTP/1.1 200") and b"<Message>" not in pipelined, pipelined
        assert seconds < 1
        stayer.close()
    finally:
        server.close()


def test_slow_headers_and_slow_bodies_do_not_starve_a_normal_client(capped):
    sqs = client("sqs", capped.endpoint)
    url = sqs.create_queue(QueueName="slowloris")["QueueUrl"]
    slow = []
    try:
        for i in range(1500):
            s = socket.create_connection(("127.0.0.1", capped.port))
            if i % 2:
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")  # a header that never ends
            else:
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                          b"Content-Length: 500\r\n\r\nAction=")  # a body that never comes
            slow.append(s)
        for _ in range(5):
            for s in slow[:100]:
                s.send(b"a")
            _, seconds = timed(lambda: sqs.send_message(QueueUrl=url, MessageBody="still here"))
            assert seconds < 1.0
            _, seconds = timed(lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]))
            assert seconds < 1.0
            time.sleep(0.2)
        # The header/body deadlines (3 s here) close every slow connection.
        time.sleep(3.5)
        closed = 0
        for s in slow:
            s.settimeout(0.5)
            try:
                data = s.recv(4096)  # b"" (closed) or the server's error answer before its close
                closed += data == b"" or data.startswith(b"HTTP/1.1 4")
            except ConnectionError:
                closed += 1
            except socket.timeout:
                pass
        assert closed == len(slow)
    finally:
        for s in slow:
            s.close()


SERVICE_REQUESTS = {
    # service: (headers, throttling status, code in the body)
    "sqs": (b"Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.SendMessage\r\n", 400,
            b"RequestThrottled"),
    "sns": (b"Content-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 "
            b"Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00\r\n", 429,
            b"<Code>Throttled</Code>"),
    "firehose": (b"Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Firehose_20150804.PutRecord\r\n", 400,
                 b"ThrottlingException"),
}


@pytest.mark.parametrize("service", sorted(SERVICE_REQUESTS))
def test_request_bodies_in_memory_are_capped_with_the_services_throttling_error(capped, service):
    headers, status, code = SERVICE_REQUESTS[service]
    # One client holds 900 kB of the 1 MB budget with a body it is still sending...
    holder = socket.create_connection(("127.0.0.1", capped.port))
    try:
        holder.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"Content-Length: 900000\r\n\r\n" + b"{" * 1000)
        time.sleep(0.2)
        # ...so another large body is refused at once, in the service's format, before it is read.
        with socket.create_connection(("127.0.0.1", capped.port)) as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"Content-Length: 200000\r\n\r\n")
            response = read_response(s, 5)
        assert response.startswith(b"HTTP/1.1 %d" % status), response[:300]
        assert code in response, response[:600]
        # Small requests still fit.
        sqs = client("sqs", capped.endpoint)
        assert sqs.list_queues(QueueNamePrefix="nothing-like-this").get("QueueUrls") is None
    finally:
        holder.close()
    # The budget comes back when the holder goes away.
    time.sleep(0.3)
    with socket.create_connection(("127.0.0.1", capped.port)) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"Content-Length: 200000\r\n\r\n" +
                  b" " * 200000)
        response = read_response(s, 5)
    assert code not in response, response[:600]


def test_s3_buffered_body_over_budget_is_slow_down(capped):
    holder = socket.create_connection(("127.0.0.1", capped.port))
    try:
        holder.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                       b"X-Amz-Target: AmazonSQS.SendMessage\r\nContent-Length: 900000\r\n\r\n{")
        time.sleep(0.2)
        # DeleteObjects is an XML body S3 reads into memory (uploads stream to disk instead).
        with socket.create_connection(("127.0.0.1", capped.port)) as s:
            s.sendall(b"POST /bucket?delete HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 "
                      b"Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00\r\n"
                      b"Content-Length: 200000\r\n\r\n")
            response = read_response(s, 5)
        assert response.startswith(b"HTTP/1.1 503"), response[:300]
        assert b"<Code>SlowDown</Code>" in response, response[:600]
    finally:
        holder.close()


def test_in_flight_cap_answers_every_service_with_its_throttling_error():
    # A cap of 0 in-flight requests: every call but a long poll is over it, so each real client
    # sees its service's throttling error (no retries, to see the first answer).
    with Fanoutd("--max-inflight-requests", "0", durability="relaxed") as server:
        assert error_of(lambda: client("sqs", server.endpoint).list_queues()) == (400, "RequestThrottled")
        assert error_of(lambda: client("sns", server.endpoint).list_topics()) == (429, "Throttled")
        assert error_of(lambda: client("firehose", server.endpoint).list_delivery_streams()) == \
            (400, "ThrottlingException")
        assert error_of(lambda: client("s3", server.endpoint).list_buckets()) == (503, "SlowDown")
        assert error_of(lambda: client("cloudformation", server.endpoint).list_stacks()) == (400, "Throttling")
        # Long polls have their own slots: a ReceiveMessage is served (here: the queue is missing).
        assert error_of(lambda: client("sqs", server.endpoint).receive_message(
            QueueUrl=server.endpoint + "/000000000000/missing", WaitTimeSeconds=1))[1] in (
            "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
