"""The Celery brokers the platform supports in production (Redis and RabbitMQ) carry the platform's
task messages and are what /readyz checks."""

import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from tests.services import rabbitmq_url, redis_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request) -> str:
    return redis_url() if request.param == "redis" else rabbitmq_url()


def test_a_task_message_round_trips_through_the_broker(broker_url):
    """A task message published to a direct exchange on the broker comes back off the bound queue,
    body intact, and is acknowledged."""
    queue_name = f"test-grading-{uuid.uuid4().hex[:8]}"
    exchange = Exchange(queue_name, type="direct")
    queue = Queue(queue_name, exchange, routing_key=queue_name, auto_delete=True)
    with Connection(broker_url, connect_timeout=3) as conn:
        bound = queue(conn.default_channel)
        bound.declare()
        try:
            producer = conn.Producer(serializer="json")
            producer.publish(
                {"task": "grading.tasks.grade_submission", "args": [42]},
                exchange=exchange,
                routing_key=queue_name,
                declare=[queue],
            )
            message = None
            for _attempt in range(50):
                message = bound.get(no_ack=False)
                if message is not None:
                    break
                time.sleep(0.1)
            assert message is not None, "the message never arrived"
            assert message.payload == {"task": "grading.tasks.grade_submission", "args": [42]}
            message.ack()
        finally:
            bound.delete()


def test_readyz_is_ready_with_the_broker(client, settings, broker_url):
    """/readyz connects to the configured broker for real and reports it ready."""
    settings.CELERY_BROKER_URL = broker_url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"] == "ok"
