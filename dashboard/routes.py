"""Our HTTP routes beside the dashboard, served by Streamlit 1.67's `st.App` (see streamlit_app.py).

`streamlit run streamlit_app.py` (and `python -m dashboard.serve`, which calls it) finds the
`app = st.App(...)` at the foot of streamlit_app.py and serves the dashboard with these routes:

- `POST /auth/v1/session`: trades a sign-in ticket (the request body) for a session token,
  set as the `lcd_session` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS). 204, or 400.
- `POST /auth/v1/signout`: ends the cookie's session and clears the cookie (same-origin only).
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dashboard.auth import COOKIE
from dashboard.store import get_store
from data_layer.access import sessions
from data_layer.db.audit import utc_now


def is_https(request: Request) -> bool:
    """True when the browser reached us over HTTPS (directly, or through a proxy that says so)."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def same_origin(request: Request) -> bool:
    """True when the request comes from a page of this server (no cross-site form or script)."""
    origin = request.headers.get("origin")
    return origin is None or origin.split("://", 1)[-1] == request.headers.get("host", "")


async def trade_ticket(request: Request) -> Response:
    """A sign-in ticket in, a session cookie out."""
    ticket = (await request.body())[:512].decode("utf-8", errors="ignore").strip()
    token = await anyio.to_thread.run_sync(sessions.redeem, get_store(), ticket, utc_now())
    if token is None:
        return JSONResponse({"error": "That sign-in has expired; sign in again."}, status_code=400)
    response = Response(status_code=204)
    response.set_cookie(COOKIE, token, max_age=int(sessions.SESSION_LIFE.total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=is_https(request))
    return response


async def sign_out(request: Request) -> Response:
    """End the cookie's session and clear the cookie."""
    if not same_origin(request):
        return JSONResponse({"error": "Not permitted."}, status_code=403)
    await anyio.to_thread.run_sync(sessions.end_token, get_store(), request.cookies.get(COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request))
    return response


ROUTES = [Route("/auth/v1/session", trade_ticket, methods=["POST"]),
          Route("/auth/v1/signout", sign_out, methods=["POST"])]
