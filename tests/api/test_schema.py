from django.urls import reverse
from rest_framework.test import APIClient


def test_the_openapi_schema_describes_every_endpoint(db: None) -> None:
    response = APIClient().get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/token/",
        "/api/v1/customers/",
        "/api/v1/customers/{number}/",
        "/api/v1/customers/{number}/items/",
        "/api/v1/customers/{number}/balance/",
        "/api/v1/customers/{number}/ledger/",
        "/api/v1/items/",
        "/api/v1/items/{number}/",
    ]:
        assert path in paths, path


def test_the_api_docs_page_is_served(db: None) -> None:
    response = APIClient().get(reverse("api-docs"))
    assert response.status_code == 200


def test_the_schema_generates_without_warnings() -> None:
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["paths"]
    assert not GENERATOR_STATS._warn_cache
    assert not GENERATOR_STATS._error_cache
