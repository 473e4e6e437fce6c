"""Sign in: nothing else of the app is visible before."""

from __future__ import annotations

from dashboard.sign_in_view import render

render()
