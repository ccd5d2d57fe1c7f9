"""Destructive actions ask first: the action's URL answers GET with a page that says what will
be lost and asks for the button (a red one, the page's only primary action), with a way back;
only its POST acts. Buttons elsewhere that lead to such an action are links to this page,
never the action itself (tests/test_destructive_actions.py lists them by URL name)."""

from django.shortcuts import render


def confirm_page(
    request, *, question: str, consequence: str, button: str, cancel: str, back_url: str, facts=()
):
    """The confirmation page of the destructive action at `request.path`: `question` as its
    heading, `consequence` (what cannot be undone), `facts` ((label, value) pairs naming what
    the action touches), the `button` that acts, and `cancel`, a link to `back_url`."""
    return render(
        request,
        "confirm_action.html",
        {
            "question": question,
            "consequence": consequence,
            "button": button,
            "cancel": cancel,
            "back_url": back_url,
            "facts": facts,
        },
    )
