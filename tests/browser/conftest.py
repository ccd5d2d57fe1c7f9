"""Real Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright, with
axe-core (vendored: axe.min.js) to check accessibility. `make test` installs Chromium
(scripts/setup-test-env.sh); without it these tests FAIL, they are never skipped."""

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest
from django.utils import translation
from django.utils.http import urlencode

CHROMIUM = "/usr/bin/chromium"
AXE_SOURCE = Path(__file__).with_name("axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000
PHONE = {"width": 390, "height": 844}
LOCALES = {"ko": "ko-KR", "en": "en-US"}


def t(language: str, message: str, context: str = "") -> str:
    """The site's text for `message` (in `context`, as pgettext) in `language`, so that
    selectors follow the translations."""
    with translation.override(language):
        if context:
            return translation.pgettext(context, message)
        return translation.gettext(message)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Playwright's sync API runs an event loop in this thread,
    so Django's async-safety guard is switched off while (and only while) it runs."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is missing: {CHROMIUM} not found. Install it (`apt-get install chromium`; "
            "make test does this) — the browser tests need a real Chromium.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=shutil.which(CHROMIUM) or CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                headless=True,
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Findings:
    """What the pages did wrong, collected over a whole journey and reported together."""

    language: str
    problems: list[str] = field(default_factory=list)
    minor: list[str] = field(default_factory=list)  # moderate/minor axe findings, for the log
    checked: list[str] = field(default_factory=list)

    def report(self) -> str:
        return "\n".join(self.problems)


@pytest.fixture
def new_page(browser):
    """new_page(language, findings, phone=False) -> a page in a fresh browser context (one per
    person), with a short timeout and CSP violations / script errors collected."""
    contexts = []

    def make(language: str, findings: Findings, *, phone: bool = False):
        options = {"locale": LOCALES[language]}
        if phone:
            options.update(viewport=PHONE, is_mobile=True, has_touch=True)
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()

        def on_console(message):
            # a form shown again with errors answers 400: that is fine, CSP violations are not
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                findings.problems.append(f"console error on {page.url}: {message.text}")

        def on_response(response):
            if response.request.resource_type != "document" and response.status >= 400:
                findings.problems.append(
                    f"{response.status} for {response.request.resource_type} {response.url} "
                    f"(page {page.url})"
                )

        page.on("console", on_console)
        page.on("response", on_response)
        page.on("pageerror", lambda error: findings.problems.append(f"script error: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()


def check_page(page, findings: Findings, name: str, *, phone: bool = False) -> None:
    """The page is in the journey's language, has no serious or critical axe-core violation
    (WCAG 2.0/2.1 A and AA) and, on a phone, does not scroll sideways. Problems are collected in
    `findings`; the test fails on them at the end, listing all of them."""
    language = findings.language
    where = f"[{language}] {name} ({page.url})"
    findings.checked.append(where)
    html_lang = page.locator("html").get_attribute("lang")
    assert html_lang == language, f"{where}: <html lang={html_lang!r}>, expected {language!r}"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))  # CDP: not an inline script
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
                count: v.nodes.length,
            }));
        }""",
        AXE_TAGS,
    )
    for v in result:
        line = (
            f"axe {where}: {v['impact']} {v['id']} — {v['help']} "
            f"({v['count']} element(s), e.g. {v['targets']})"
        )
        (findings.problems if v["impact"] in BLOCKING_IMPACTS else findings.minor).append(line)
    if phone:
        # innerWidth is not enough: on a mobile viewport Chromium widens the layout viewport
        # to fit wide content, so the page is measured against the phone's own width.
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"] + 1:
            wide = page.evaluate(
                """(limit) => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > limit + 1)
                    .slice(0, 5)
                    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                         + (e.className && typeof e.className === 'string'
                            ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))""",
                PHONE["width"],
            )
            findings.problems.append(
                f"scroll {where}: page is {width}px wide on a {PHONE['width']}px phone; "
                f"too wide: {wide}"
            )


def url_pattern(path_regex: str) -> re.Pattern:
    """A URL matcher for page.wait_for_url: any host, this path, optional query string."""
    return re.compile(rf"^https?://[^/]+{path_regex}(\?.*)?$")


def log_in(page, base, user, language, findings, name="", *, next_url="", phone=False):
    """Sign `user` in from the login page (checked like every page): e-mail and password, then,
    for accounts with two-factor authentication (officials, moderators), the TOTP code. Returns
    once the site has let them in (off /accounts/; on `next_url` when one is given)."""
    from tests.conftest import PASSWORD, TOTP_SECRET

    who = f" ({name})" if name else ""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    page.goto(f"{base}/accounts/login/{query}")
    check_page(page, findings, f"login{who}", phone=phone)
    main = page.locator("main")
    main.get_by_label(t(language, "E-mail address")).fill(user.email)
    main.get_by_label(t(language, "Password"), exact=True).fill(PASSWORD)
    main.get_by_role("button", name=t(language, "Log in")).click()
    if user.totp_confirmed:
        page.wait_for_url(url_pattern(r"/accounts/2fa/verify/"))
        check_page(page, findings, f"2FA code{who}", phone=phone)
        main.get_by_label(t(language, "6-digit code")).fill(pyotp.TOTP(TOTP_SECRET).now())
        main.get_by_role("button", name=t(language, "Verify")).click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
