"""`make screens`: screenshots of Nara as people see it, for the README (docs/screens/).

The home page, a citizen's complaint form, an official's inbox and the agency figures, at
390 px (a phone) and 1366 px (a laptop) wide, in Korean and in English: 16 PNG files named
<page>-<language>-<width>.png. The site runs as `make run` runs it (scripts/serve.sh, granian)
on a scratch SQLite database under var/screens/ with the demo data; the pages are opened in
Chromium (Debian's, driven by Playwright, as the browser tests do), signed in through the login
page like a person. Anyone can run it again after a change; the files are replaced."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
OUT = ROOT / "docs" / "screens"
VAR = ROOT / "var" / "screens"
CHROMIUM = "/usr/bin/chromium"
WIDTHS = {390: 844, 1366: 900}  # width → the window's height (pages are taken whole)
PASSWORD = os.environ.get("NARA_DEMO_PASSWORD", "nara-demo")
CITIZEN = "citizen1@demo.nara.kr"
OFFICIAL = "handler.seoul-traffic@demo.nara.kr"  # a unit with open complaints in the demo


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> None:
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"], ["demo_data"]):
        subprocess.run(
            [PY, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("screens: the server stopped (see the output above)")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("screens: the server did not answer within a minute")


def sign_in(page, base: str, email: str, secret: str | None) -> None:
    import pyotp

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    if secret:
        page.wait_for_url("**/accounts/2fa/verify/**")
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def signed_in(browser, base: str, email: str, secret: str | None) -> dict:
    """The cookies of a session signed in once (a TOTP code is accepted once only)."""
    context = browser.new_context()
    sign_in(context.new_page(), base, email, secret)
    state = context.storage_state()
    context.close()
    return state


def shoot(browser, base: str, language: str, width: int, sessions: dict) -> list[Path]:
    taken = []

    def context(who: str = ""):
        made = browser.new_context(
            viewport={"width": width, "height": WIDTHS[width]},
            locale={"ko": "ko-KR", "en": "en-US"}[language],
            is_mobile=width < 600,
            has_touch=width < 600,
            storage_state=sessions.get(who),
        )
        # the language chosen with the header's buttons
        made.add_cookies([{"name": "django_language", "value": language, "url": base}])
        return made

    def save(page, name: str) -> None:
        path = OUT / f"{name}-{language}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)

    for who, name, path in (
        ("", "home", "/"),
        ("", "figures", "/complaints/figures/"),
        ("citizen", "complaint-form", "/complaints/new/"),
        ("official", "inbox", "/office/"),
    ):
        made = context(who)
        page = made.new_page()
        page.goto(f"{base}{path}")
        save(page, name)
        made.close()
    return taken


def main() -> None:
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        sys.exit(f"screens: {CHROMIUM} is missing: `apt-get install chromium` (make test does)")
    from playwright.sync_api import sync_playwright

    secret = os.environ.get("NARA_DEMO_TOTP_SECRET", "NARADEMOTOTPSECRETBASE32AAAAAAAA")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "NARA_VAR_DIR": str(VAR),
        "SITE_URL": base,
        "PORT": str(port),
        "STATIC_ROOT": str(VAR / "static"),
        "NARA_RATE_LIMITS": "off",  # one script signs in 8 times from one address
    }
    env.pop("DATABASE_URL", None)
    print("screens: loading the demo into a scratch database …", flush=True)
    prepare(env)
    server = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=ROOT, env=env)
    try:
        wait_until_up(base, server)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            try:
                sessions = {
                    "citizen": signed_in(browser, base, CITIZEN, None),
                    "official": signed_in(browser, base, OFFICIAL, secret),
                }
                for language in ("ko", "en"):
                    for width in WIDTHS:
                        for path in shoot(browser, base, language, width, sessions):
                            print(f"  {path.relative_to(ROOT)}", flush=True)
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
