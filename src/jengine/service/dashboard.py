"""The dashboard: a few server-rendered page shells and one small script, no front-end build.

==========================  =================================================================
``GET /``                   the journeys with their status, version and counts
``GET /journeys/{j}``       the journey drawn as its graph with live per-step counts on the
                            nodes (AJO's canvas report), the counts table, lifecycle buttons
``GET /profiles``           profile lookup: instances (journey, version, step) and history
``GET /deadletters``        dead letters, with replay
``GET|POST /login``         the admin-token form: sets the session cookie
``POST /logout``            ends the session
==========================  =================================================================

The pages fetch the read API (``/v1/…``, same origin, the session cookie) once a second and
render with ``textContent`` only (no HTML from data). Graphs are the DOT of
:func:`jengine.service.readapi.counted_dot` rendered in the browser by the vendored Viz.js
(``static/viz-global.js``, the same version as the VS Code extension's). Every page answers
with a strict Content-Security-Policy (scripts from this origin only, plus WebAssembly for
Viz.js), ``X-Frame-Options: DENY`` and no referrer.
"""

from __future__ import annotations

import html
from importlib.resources import files
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from jengine.service.context import Service
from jengine.service.security import COOKIE, admin_allowed, matches, session_value

__all__ = ["SECURITY_HEADERS", "routes"]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
                               "style-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
}
_NAV = (("/", "Journeys"), ("/profiles", "Profiles"), ("/deadletters", "Dead letters"))


def _page(title: str, page: str, body: str, data: dict[str, str] | None = None,
          nav: bool = True) -> HTMLResponse:
    attrs = "".join(f' data-{k}="{html.escape(v)}"' for k, v in (data or {}).items())
    links = "".join(f'<a href="{href}">{name}</a>' for href, name in _NAV) if nav else ""
    logout = ('<form method="post" action="/logout" class="logout"><button>Log out</button>'
              "</form>") if nav else ""
    scripts = ('<script src="/static/viz-global.js"></script>' if page == "journey" else "") \
        + '<script src="/static/app.js"></script>'
    text = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)} · jengine</title>"
            f'<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
            f'<link rel="stylesheet" href="/static/app.css"></head>'
            f'<body data-page="{page}"{attrs}><header><strong>jengine</strong>'
            f"<nav>{links}</nav>{logout}</header><main>{body}</main>{scripts}</body></html>")
    return HTMLResponse(text, headers=SECURITY_HEADERS)


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _signed_in(request: Request) -> bool:
    return admin_allowed(request.headers, request.cookies, _service(request).config.admin_token)


def _login_redirect() -> Response:
    return RedirectResponse("/login", status_code=303, headers=SECURITY_HEADERS)


async def index(request: Request) -> Response:
    if not _signed_in(request):
        return _login_redirect()
    return _page("Journeys", "journeys", '<h1>Journeys</h1><p class="status" id="service">'
                 '</p><table id="journeys"><thead><tr><th>Journey</th><th>Status</th>'
                 "<th>Version</th><th>Active</th><th>Entered</th></tr></thead>"
                 "<tbody></tbody></table>")


async def journey(request: Request) -> Response:
    if not _signed_in(request):
        return _login_redirect()
    name = request.path_params["journey"]
    return _page(name, "journey", f'<h1>{html.escape(name)} <span id="status" '
                 f'class="badge"></span></h1><p><label>Version <select id="version"></select>'
                 f'</label> <span id="lifecycle"><button data-command="pause" '
                 f'data-mode="hold">Pause (hold)</button><button data-command="pause" '
                 f'data-mode="discard">Pause (discard)</button><button data-command="resume">'
                 f'Resume</button><button data-command="close">Close to new entrances'
                 f'</button><button data-command="stop">Stop</button></span></p>'
                 f'<p id="message" role="status"></p><div id="graph"></div>'
                 f'<table id="counts"><thead><tr><th>Step</th><th>Entered</th>'
                 f"<th>Waiting</th><th>Completed</th><th>Exits</th><th>Errors</th>"
                 f"<th>Timed out</th></tr></thead><tbody></tbody></table>",
                 {"journey": name})


async def profiles(request: Request) -> Response:
    if not _signed_in(request):
        return _login_redirect()
    return _page("Profiles", "profiles", '<h1>Profile lookup</h1><form id="lookup">'
                 '<input id="profile-id" name="id" placeholder="profile id" required>'
                 '<button>Look up</button></form><p id="message" role="status"></p>'
                 '<h2>Instances</h2><table id="instances"><thead><tr><th>Journey</th>'
                 "<th>Version</th><th>Step</th><th>Status</th></tr></thead><tbody></tbody>"
                 '</table><h2>History</h2><table id="history"><thead><tr><th>Time</th>'
                 "<th>Journey</th><th>Step</th><th>Outcome</th><th>Next</th><th>Reason</th>"
                 "</tr></thead><tbody></tbody></table>")


async def deadletters(request: Request) -> Response:
    if not _signed_in(request):
        return _login_redirect()
    return _page("Dead letters", "deadletters", '<h1>Dead letters</h1><p><button id="replay">'
                 'Replay selected</button></p><p id="message" role="status"></p>'
                 '<table id="deadletters"><thead><tr><th></th><th>Id</th><th>Line</th>'
                 "<th>Reason</th><th>Message</th><th>Input</th></tr></thead><tbody></tbody>"
                 "</table>")


def _login_form(error: str = "") -> Response:
    note = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return _page("Log in", "login", f'<h1>Log in</h1>{note}<form method="post" '
                 f'action="/login"><label>Admin token <input type="password" name="token" '
                 f'autocomplete="current-password" required></label><button>Log in</button>'
                 f"</form>", nav=False)


async def login(request: Request) -> Response:
    if request.method == "GET":
        return _login_form()
    token = _service(request).config.admin_token
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    given = form.get("token", [None])[0]
    if token is None or not matches(given, [token]):
        response = _login_form("That is not the admin token.")
        response.status_code = 401
        return response
    response = RedirectResponse("/", status_code=303, headers=SECURITY_HEADERS)
    response.set_cookie(COOKIE, session_value(token), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path="/")
    return response


_FAVICON = files("jengine.service").joinpath("static/favicon.svg")


async def favicon(request: Request) -> Response:
    return Response(_FAVICON.read_bytes(), media_type="image/svg+xml",
                    headers={"Cache-Control": "max-age=86400"})


def routes() -> list[Route]:
    return [Route("/", index), Route("/journeys/{journey}", journey),
            Route("/profiles", profiles), Route("/deadletters", deadletters),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]), Route("/favicon.ico", favicon)]
