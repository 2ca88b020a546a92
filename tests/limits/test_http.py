"""HTTP rules: mutations only over POST, JSON bodies only (no CSRF through simple
cross-site requests); refusals are GraphQL errors with a code and change nothing."""

from __future__ import annotations

import json

from crm_graphql.domains.customers.models import Company

CREATE = 'mutation { createCompany(input: {name: "Evil Corp"}) { company { id } } }'


def _code(response) -> str:
    (error,) = response.json()["errors"]
    return error["extensions"]["code"]


async def test_queries_are_allowed_over_get(limited, db):
    client = await limited()
    response = await client.http.get("/graphql", params={"query": "{ customers { totalCount } }"})
    assert response.status_code == 200
    assert response.json()["data"] == {"customers": {"totalCount": 0}}


async def test_a_mutation_over_get_is_refused_and_writes_nothing(limited, db):
    client = await limited()
    response = await client.http.get("/graphql", params={"query": CREATE})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert _code(response) == "METHOD_NOT_ALLOWED"
    assert await Company.all().count() == 0


async def test_a_text_plain_post_is_refused_and_writes_nothing(limited, db):
    client = await limited()
    response = await client.http.post(
        "/graphql",
        content=json.dumps({"query": CREATE}),
        headers={"content-type": "text/plain;charset=UTF-8"},
    )
    assert response.status_code == 415
    assert _code(response) == "UNSUPPORTED_CONTENT_TYPE"
    assert await Company.all().count() == 0


async def test_form_posts_are_refused_and_write_nothing(limited, db):
    client = await limited()
    urlencoded = await client.http.post("/graphql", data={"query": CREATE})
    multipart = await client.http.post("/graphql", files={"query": (None, CREATE)})
    assert (urlencoded.status_code, _code(urlencoded)) == (415, "UNSUPPORTED_CONTENT_TYPE")
    assert (multipart.status_code, _code(multipart)) == (415, "UNSUPPORTED_CONTENT_TYPE")
    assert await Company.all().count() == 0


async def test_a_json_post_with_a_charset_runs_the_mutation(limited, db):
    client = await limited()
    response = await client.http.post(
        "/graphql",
        content=json.dumps({"query": CREATE}),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.json()["data"]["createCompany"]["company"]["id"]
    assert await Company.all().count() == 1
