#!/usr/bin/env python3
"""Saves panel pages as standalone HTML files for headless Chromium to photograph.

Usage: panel_pages.py <origin> <out-dir>   (origin e.g. http://127.0.0.1:18080)

Why not point `chromium --screenshot` at the panel itself: it loads one URL with a fresh
profile and has no way to sign in, keep a cookie between pages or send a POST. (Chromium as
such keeps the panel's `__Host-` cookies with `Secure` over http://127.0.0.1, since it treats
loopback as potentially trustworthy: the Playwright-driven browser test,
tests/e2e/procedure.mjs, signs in and walks the pages itself.) So this helper signs in the
way a browser does (the pre-session CSRF cookie + hidden field, then the session cookie),
fetches each page with the session cookie -- including the POST that answers with the
hand-over slip -- and writes the HTML with the stylesheet links made absolute, so
`chromium --screenshot file:///…` renders it exactly as served. Only the standard library
is used.

Signs in as the demo local administrator of school 261301 (config/demo-seed.toml, a
`dev`-only password) and writes search.html, create.html, slip.html.
"""

import html as htmllib
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

LOGIN = "lukasz.nowak"
PASSWORD = "demo-haslo-administratora"
SCHOOL = "261301"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)
COOKIES = {}


def request(origin, path, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(origin + path, data=data)
    if COOKIES:
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in COOKIES.items()))
    try:
        res = OPENER.open(req)
    except urllib.error.HTTPError as e:  # 3xx/4xx answers carry cookies too
        res = e
    for line in res.headers.get_all("Set-Cookie") or []:
        name, _, rest = line.partition("=")
        value = rest.split(";", 1)[0]
        if value and "max-age=0" not in line.lower():
            COOKIES[name] = value
        else:
            COOKIES.pop(name, None)
    return res.status, res.read().decode("utf-8")


def csrf(page):
    m = re.search(r'name="csrf" value="([^"]*)"', page)
    if not m:
        sys.exit("no CSRF field on the page")
    return htmllib.unescape(m.group(1))


def save(out, name, origin, page, open_first_menu=False):
    page = page.replace('href="/panel/', f'href="{origin}/panel/')
    if open_first_menu:
        page = page.replace('<details class="row-menu">', '<details class="row-menu" open>', 1)
    with open(f"{out}/{name}", "w", encoding="utf-8") as f:
        f.write(page)


def main():
    origin, out = sys.argv[1].rstrip("/"), sys.argv[2]
    _, page = request(origin, "/panel/logowanie")
    status, _ = request(
        origin, "/panel/logowanie", {"login": LOGIN, "password": PASSWORD, "csrf": csrf(page)}
    )
    if status != 303:
        sys.exit(f"sign-in failed: HTTP {status}")

    # The search: two namesakes (Anna Kowalska) told apart by employee number and position.
    status, page = request(origin, f"/panel/pracownicy?szkola={SCHOOL}&q=anna+kowalska")
    if status != 200:
        sys.exit(f"search failed: HTTP {status}")
    save(out, "search.html", origin, page, open_first_menu=True)

    # Someone without an account, for the confirm page and the slip.
    _, everyone = request(origin, f"/panel/pracownicy?szkola={SCHOOL}")
    m = re.search(r'href="(/panel/pracownicy/[0-9a-f-]+/utworz-konto)"', everyone)
    if not m:
        sys.exit("everyone has an account already: delete the dev data directory to start over")
    status, page = request(origin, m.group(1))
    save(out, "create.html", origin, page)
    status, page = request(origin, m.group(1), {"csrf": csrf(page)})
    if status != 200:
        sys.exit(f"create account failed: HTTP {status}")
    save(out, "slip.html", origin, page)


if __name__ == "__main__":
    main()
