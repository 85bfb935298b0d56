"""Logging in to the hub in headless Chromium, through its own login form, as a user does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from browser_setup import WEBGL2

if TYPE_CHECKING:
    from hub_process import Hub

__all__ = ["BrowserLogin", "log_in"]

LOGIN_TIMEOUT_MS = 90_000


@dataclass(frozen=True)
class BrowserLogin:
    """A browser context logged in as ``user``, and what its JupyterLab page was handed."""

    user: str
    context: Any  # playwright's BrowserContext: its cookies go with context.request too
    page_token: str  # the token in JupyterLab's page config, which the page sends as a header

    def cookie(self, name: str, url: str) -> str | None:
        """The value of the cookie ``name`` that the browser would send to ``url``."""
        for cookie in self.context.cookies(url):
            if cookie["name"] == name:
                return str(cookie["value"])
        return None


def log_in(browser: Any, hub: Hub, user: str) -> BrowserLogin:
    """Signs in at the hub's login page, then follows the hub's OAuth into the user's lab."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WEBGL2)
    page = context.new_page()
    lab = f"/user/{user}/lab"
    page.goto(f"{hub.url}hub/login?next={quote(lab)}", timeout=LOGIN_TIMEOUT_MS)
    page.get_by_label("Username:").fill(user)
    page.get_by_label("Password:").fill(hub.password)
    page.get_by_role("button", name="Sign in").click()
    # The lab's own page, after the hub's OAuth redirects: the user's server has set its cookie.
    page.wait_for_url(f"{hub.url}user/{user}/lab**", timeout=LOGIN_TIMEOUT_MS)
    page.wait_for_selector("#jupyter-config-data", state="attached", timeout=LOGIN_TIMEOUT_MS)
    config = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent)"
    )
    page.close()
    return BrowserLogin(user=user, context=context, page_token=str(config.get("token") or ""))
