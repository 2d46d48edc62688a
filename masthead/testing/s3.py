"""A throwaway S3 (moto in server mode, on 127.0.0.1) for tests of the S3 storage paths.

`s3_server` starts one moto server per module; `private_files_on_s3` points the
private storage at a fresh bucket on it for one test.

What moto checks and what it does not (moto 5.2.5): it refuses an anonymous
GET of an object whose ACL is private (403), and it honours Range and the
response-* overrides of a signed URL. It does not verify presigned-URL
signatures or their expiry (its authentication reads only the Authorization
header), so tests check the expiry a URL carries, not that S3 enforces it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from masthead.testing.redis import _free_port

ACCESS_KEY = "masthead-test"
SECRET_KEY = "masthead-test-secret"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    port = _free_port(23971)
    proc = subprocess.Popen(  # noqa: S603 -- moto from this virtualenv, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("moto server did not start")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )


@pytest.fixture
def private_files_on_s3(s3_server: str, settings: Any) -> dict[str, str]:
    """The private storage on a new bucket of the moto server, as settings.py builds it from PRIVATE_S3_*."""
    bucket = f"masthead-private-{uuid.uuid4().hex[:12]}"
    s3_client(s3_server).create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "masthead.core.s3_storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "location": "private",
            },
        },
    }
    return {"endpoint": s3_server, "bucket": bucket, "prefix": "private"}
