"""The served app writes secrets and personal data in requests to the inference log masked, lengths kept."""

import json

import httpx

from longloop.settings.params import ServingParams

API_KEY = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
KEY_BLOCK = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"
EMAIL = "maria.rossi@example.com"
CARD = "5555 5555 5555 4444"
TEXT = (
    f"Please refund the order. My card {CARD} was charged twice; write to {EMAIL}. "
    f"Our deploy key leaked:\n{KEY_BLOCK}\nand the CI token {API_KEY} too."
)


def test_the_inference_log_holds_masked_text_of_the_same_length(start_app):
    url, _, log = start_app(ServingParams(rate_limit_per_second=None))
    r = httpx.post(f"{url}/predict", json={"documents": [{"id": f"ticket for {EMAIL}", "text": TEXT}]}, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["predictions"][0]["id"] == f"ticket for {EMAIL}"  # the answer is the client's own
    raw_log = log.read_text()
    for raw in (API_KEY, "b3BlbnNzaC1rZXktdjEAAAAA", EMAIL, CARD):
        assert raw not in raw_log
    entry = json.loads(raw_log.split("\n")[0])
    for marker in ("[API_KEY]", "[PRIVATE_KEY]", "[EMAIL]", "[PAYMENT_CARD]"):
        assert marker in entry["text"]
    # Drift features measure the text: its length and lines are those of the request.
    assert len(entry["text"]) == len(TEXT) and entry["text"].count("\n") == TEXT.count("\n")
    assert entry["text"].startswith("Please refund the order. My card ")
    assert entry["id"].startswith("ticket for [EMAIL]")
