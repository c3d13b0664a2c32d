import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from fanoutd_process import Fanoutd  # noqa: E402


@pytest.fixture(scope="module")
def fanoutd():
    server = Fanoutd()
    server.start()
    yield server
    server.close()


@pytest.fixture
def unique():
    return lambda prefix="t": f"{prefix}-{uuid.uuid4().hex[:12]}"


def client(service, endpoint, key="test", secret="test", region="us-east-1"):
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}, read_timeout=30, connect_timeout=5))
