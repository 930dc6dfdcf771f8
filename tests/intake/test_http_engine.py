"""The OpenAI-compatible HTTP engine: its request shape against a loopback stub, and the fields it produces."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from intake.choices import PhaseName
from intake.models import IntakePhase
from intake.services import intake_item_create
from tests.intake.photos import label_photo, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def stub():
    """A chat-completions stub on loopback: records each request and answers `stub.answer` as the content."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            status, content = server.reply
            payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.reply = (200, "{}")
    server.seen = seen
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_engine(settings, stub):
    settings.INTAKE_ENGINE = "http"
    settings.INTAKE_HTTP_ENGINE_URL = f"http://127.0.0.1:{stub.server_port}/v1"
    settings.INTAKE_HTTP_ENGINE_MODEL = "local-model"
    settings.INTAKE_HTTP_ENGINE_KEY = "test-key-not-secret"
    return stub


def test_category_comes_from_the_http_engine_with_its_name_on_the_field(
    intake_user, small_catalog, http_engine, run_pipeline
):
    kitchen = small_catalog["kitchen"]
    http_engine.reply = (200, json.dumps({"category_id": kitchen.pk, "confidence": 0.93}))
    item = intake_item_create(
        owner=intake_user,
        photos=[upload(label_photo(lines=("Brand: ACME", "Kettle KT-200")))],
        hint_name="Kettle",
        hint_condition="new",
    )
    item = run_pipeline(item)
    # then one request of the documented shape reached the stub
    [request] = http_engine.seen
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer test-key-not-secret"
    body = request["body"]
    assert body["model"] == "local-model"
    assert body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert f"{kitchen.pk}: Kitchen" in body["messages"][1]["content"]
    assert "Kettle KT-200" in body["messages"][1]["content"]
    # and the field says which engine produced it
    assert item.fields["category"]["value"] == kitchen.pk
    assert item.fields["category"]["confidence"] == 93
    assert item.fields["category"]["engine"] == "http"
    assert item.fields["brand"]["engine"] == "http"  # the offline readers run inside the HTTP engine
    analysis = IntakePhase.objects.get(item=item, phase=PhaseName.ANALYSIS)
    assert (analysis.engine, analysis.engine_version) == ("http", "http-1; local-model")


@pytest.mark.parametrize(
    ("reply_case", "expected"),
    [
        ("server_error_case", "The HTTP engine answered 500"),
        ("not_ours_case", "The HTTP engine chose category 999999, which is not one of ours."),
        ("not_json_case", "The HTTP engine's answer is not a chat completion with a JSON object."),
    ],
)
def test_a_bad_answer_fails_the_analysis_with_a_message(
    intake_user, small_catalog, http_engine, run_pipeline, reply_case, expected
):
    http_engine.reply = {
        "server_error_case": (500, "{}"),
        "not_ours_case": (200, json.dumps({"category_id": 999999, "confidence": 0.9})),
        "not_json_case": (200, "sure, it is a kettle"),
    }[reply_case]
    item = run_pipeline(intake_item_create(owner=intake_user, photos=[upload(label_photo(lines=("Kettle",)))]))
    analysis = IntakePhase.objects.get(item=item, phase=PhaseName.ANALYSIS)
    assert analysis.status == "failed"
    assert analysis.error_message.startswith(expected)
    assert item.status == "error"
    assert item.fields == {}
