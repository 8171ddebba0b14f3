from rest_framework.test import APIClient


def test_ping_answers_success_and_echoes_the_correlation_id() -> None:
    response = APIClient().get("/job-service/v1/ping", HTTP_CAF_CORRELATION_ID="abc-1")
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert response["CAF-Correlation-Id"] == "abc-1"


def test_unknown_route_is_a_json_404() -> None:
    response = APIClient().get("/job-service/v1/nothing-here")
    assert response.status_code == 404
    assert "message" in response.json()
