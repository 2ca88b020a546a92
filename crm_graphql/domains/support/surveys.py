"""The public satisfaction survey: ``GET`` and ``POST /surveys/{token}``, no sign-in.

The token is the only credential: 256 random bits, issued when a ticket is solved, kept
as a hash, valid once and until it expires. It reveals the ticket's subject and nothing
else. ``POST`` records ``{"score": 1-5, "comment": "..."}``; a refused answer changes
nothing and says why with a code (``SURVEY_NOT_FOUND`` 404, ``SURVEY_ALREADY_ANSWERED``
409, ``SURVEY_EXPIRED`` 410, ``BAD_USER_INPUT`` 400/422).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crm_graphql.domains.support import services

#: Largest survey answer accepted (a score and a comment of at most 2,000 characters).
MAX_BODY_BYTES = 16 * 1024


def _refused(refused: services.SurveyRefused) -> JSONResponse:
    error: dict[str, object] = {"code": refused.code, "message": refused.message}
    if refused.field is not None:
        error["field"] = refused.field
    return JSONResponse({"error": error}, status_code=refused.status)


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": {"code": "BAD_USER_INPUT", "message": message}}, status)


async def survey(request: Request) -> JSONResponse:
    """``GET``: the subject of an open survey; ``POST``: record the answer."""
    token = request.path_params["token"]
    if len(token) > 100:
        return _refused(services.SurveyRefused(*services.SURVEY_NOT_FOUND))
    try:
        if request.method == "GET":
            _, subject = await services.open_survey(token)
            return JSONResponse({"subject": subject, "answered": False})
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _bad("The answer is too large.", 413)
        try:
            answer = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            return _bad('The body must be JSON: {"score": 1-5, "comment": "..."}.')
        if not isinstance(answer, dict):
            return _bad("The body must be a JSON object with a score.")
        subject = await services.answer_survey(token, answer.get("score"), answer.get("comment"))
    except services.SurveyRefused as refused:
        return _refused(refused)
    return JSONResponse({"subject": subject, "answered": True})


def survey_routes() -> list[Route]:
    """The survey's one route (public: no credentials)."""
    return [Route("/surveys/{token}", survey, methods=["GET", "POST"])]
