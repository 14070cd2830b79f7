"""Documents through a real S3 API on loopback (moto's server): a worker writes the PDF to the bucket, the web
serves it from there. This is how web servers and workers on different machines share files."""

import socket
import time

import boto3
import pytest
from django.core.files.storage import default_storage

from documents.models import DocumentStatus, GeneratedDocument
from tests.fixtures.stages import decided_tender

BUCKET = "hankinta-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3(settings):
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="eu-north-1"
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "eu-north-1",
                "addressing_style": "path",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    yield client
    server.stop()


def test_a_worker_stores_the_decision_in_s3_and_the_web_serves_it(
    s3, celery_worker_redis, authority, officer, member_a, member_b, client
):
    assert default_storage.__class__.__name__ == "S3Storage"
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    decision = GeneratedDocument.objects.get(tender=tender, kind="decision")

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        decision.refresh_from_db()
        if decision.status == DocumentStatus.READY:
            break
        time.sleep(0.3)
    assert decision.status == DocumentStatus.READY

    # The PDF is an object in the bucket, not a local file …
    stored = s3.get_object(Bucket=BUCKET, Key=decision.file.name)["Body"].read()
    assert stored.startswith(b"%PDF-")
    # … and the web serves those same bytes to someone allowed to read them.
    client.force_login(officer)
    response = client.get(f"/api/v1/documents/{decision.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
