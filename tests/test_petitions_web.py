"""The public's and the citizens' petition pages: lists and search, the petition page (live
count, thresholds, regions), signing signed-in and by e-mail (the confirm link survives a mail
scanner), writing a petition in stages, the share link, my petitions, caching, CSV."""

import csv
import io
import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from nara.core.models import Region
from nara.notifications.models import OutboxMessage
from nara.petitions import answers, services, signing
from nara.petitions.forms import form_stamp
from nara.petitions.models import (
    PendingSignature,
    Petition,
    PetitionImage,
    RejectionReason,
    Signature,
    Status,
    Supporter,
)
from nara.petitions.signing import signature_count

from . import petition_helpers
from .conftest import make_user
from .petition_helpers import gathering, in_review, opened, signers

# the fixtures of tests/petition_helpers.py, used by name
moderator = petition_helpers.moderator
small_type = petition_helpers.small_type

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}
BODY = "Please build more public libraries in every district, open until late at night."


# --- helpers ------------------------------------------------------------------------------------


def en_client(user=None, **kwargs) -> Client:
    from .conftest import login

    client = Client(HTTP_ACCEPT_LANGUAGE="en", **kwargs)
    return login(client, user) if user is not None else client


def html_of(response) -> str:
    return response.content.decode()


def detail_url(petition) -> str:
    return reverse("petitions:detail", args=[petition.pk])


def make_png(color=(20, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(buffer, "PNG")
    return buffer.getvalue()


def png_upload(name="photo.png", color=(20, 120, 200)):
    return SimpleUploadedFile(name, make_png(color), content_type="image/png")


def sign_data(**overrides) -> dict:
    data = {
        "name": "Kim Minsu",
        "email": "minsu@example.org",
        "sido": "11",
        "sigungu": "11110",
        "notify_answer": "on",
        "stamp": form_stamp(time.time() - 30),  # a person took half a minute
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def confirm_link(address: str) -> str:
    [message] = OutboxMessage.objects.filter(to_email=address)
    found = re.search(r"https?://[^/\s]+(/petitions/confirm/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def write_data(**overrides) -> dict:
    data = {
        "title": "More public libraries open at night",
        "body": BODY,
        "category": "",
        "link1": "https://example.org/libraries",
        "link2": "",
        "link3": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")  # Excel needs the BOM to read UTF-8 Korean
    return list(csv.reader(io.StringIO(content[1:])))


def open_with_body(world, petition_type, moderator, *, title: str, body: str):
    petition = services.petition_create(
        author=world.citizen, title=title, body=body, type=petition_type
    )
    for user in signers(petition_type.supporters_needed):
        petition = services.petition_support(petition=petition, by=user)
    return services.petition_open(petition=petition, by=moderator, unit=world.roads)


@pytest.fixture
def open_petition(world, small_type, moderator):
    return opened(world, small_type, moderator)


# --- lists --------------------------------------------------------------------------------------


def test_list_shows_open_petitions_with_count_and_closing_date(world, open_petition):
    signing.petition_sign(petition=open_petition, by=world.other_citizen)
    unpublished = gathering(world, open_petition.type, title="A petition still gathering")
    response = en_client().get(reverse("petitions:list"))
    assert response.status_code == 200
    html = html_of(response)
    assert open_petition.title in html
    assert unpublished.title not in html
    assert "1 signature" in html and "Closes" in html
    assert timezone.localtime(open_petition.closes_at).strftime("%Y-%m-%d") in html
    assert 'href="?"' in html  # the default list: no parameter (one cached copy)
    for name in ("popular", "recent", "awaiting", "answered", "closed", "rejected"):
        assert f'href="?list={name}"' in html
    assert 'aria-current="page"' in html


def test_list_tabs_and_search_in_korean_and_english(world, small_type, moderator):
    roads = opened(world, small_type, moderator, title="Fix the potholes on Sejong-daero")
    korean = open_with_body(
        world,
        small_type,
        moderator,
        title="세종대로 도로 포장을 고쳐 주세요",
        body="비가 오면 세종대로에 물웅덩이가 생깁니다. 도로 포장을 다시 해 주세요.",
    )
    client = en_client()
    html = html_of(client.get(reverse("petitions:list"), {"q": "potholes"}))
    assert roads.title in html and korean.title not in html
    html = html_of(client.get(reverse("petitions:list"), {"q": "세종대로"}))
    assert korean.title in html and roads.title not in html
    html = html_of(client.get(reverse("petitions:list"), {"list": "answered"}))
    assert roads.title not in html and "There are no petitions in this list yet." in html
    html = html_of(client.get(reverse("petitions:list"), {"list": "popular", "q": "potholes"}))
    assert roads.title in html
    assert 'href="?list=recent&amp;q=potholes"' in html  # the tabs keep the search


def test_list_paginates(world, small_type, moderator, settings):
    settings.NARA_RATE_LIMITS_ENABLED = False
    for n in range(21):
        opened(world, small_type, moderator, title=f"Petition number {n:02d} about parks")
    client = en_client()
    first = html_of(client.get(reverse("petitions:list")))
    assert "Page 1 of 2" in first and "21 petitions" in first
    second = client.get(reverse("petitions:list"), {"page": "2"})
    assert second.status_code == 200 and "Page 2 of 2" in html_of(second)
    odd = client.get(reverse("petitions:list"), {"page": "x\x01"}, follow=True)
    assert odd.status_code == 200  # sent to the cleaned-up address, then the first page


def test_list_page_queries_do_not_grow_with_the_petitions(world, small_type, moderator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        caches["pages"].clear()
        with CaptureQueriesContext(connection) as captured:
            assert en_client().get(reverse("petitions:list")).status_code == 200
        return len(captured)

    opened(world, small_type, moderator, title="The first petition about parks")
    few = queries()
    for n in range(5):
        opened(world, small_type, moderator, title=f"Another petition about parks {n}")
    assert queries() == few <= 4


def test_long_moderation_queue_notice_on_list_and_create(world, small_type, settings):
    settings.NARA_MODERATION_QUEUE_NOTICE = 1
    text = "Many petitions are waiting for review."
    assert text not in html_of(en_client().get(reverse("petitions:list")))
    in_review(world, small_type)
    caches["pages"].clear()  # anonymous visitors get the list from the cache for a few seconds
    assert text in html_of(en_client().get(reverse("petitions:list")))
    assert text in html_of(en_client(world.other_citizen).get(reverse("petitions:create")))


def test_list_csv_export_has_public_fields_only(world, small_type, moderator):
    petition = opened(world, small_type, moderator, title="=세종대로 도로 포장")
    signing.petition_sign(petition=petition, by=world.other_citizen)
    response = en_client().get(reverse("petitions:export_csv"), {"list": "open"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:3] == ["id", "title", "status"] and "signatures" in header
    assert "email" not in " ".join(header) and "author" not in " ".join(header)
    [row] = rows
    record = dict(zip(header, row, strict=True))
    assert record["id"] == str(petition.pk)
    assert record["title"] == "'=세종대로 도로 포장"  # never a spreadsheet formula
    assert record["signatures"] == "1" and record["status"] == "open"
    assert record["url"].endswith(detail_url(petition))


# --- who sees what ------------------------------------------------------------------------------


def test_unpublished_petition_is_404_to_others_and_shown_to_its_author(
    world, small_type, moderator, client_for
):
    petition = gathering(world, small_type)
    url = detail_url(petition)
    for user in (None, world.other_citizen, world.handler):
        client = client_for(user)
        assert client.get(url).status_code == 404, user
        assert client.get(reverse("petitions:count", args=[petition.pk])).status_code == 404
        assert client.get(reverse("petitions:regions_csv", args=[petition.pk])).status_code == 404
        sign_form = client.get(reverse("petitions:sign_by_email", args=[petition.pk]))
        assert sign_form.status_code == 404
    author = en_client(world.citizen).get(url)
    assert author.status_code == 200
    html = html_of(author)
    share = reverse("petitions:share", args=[petition.share_token])
    assert share in html  # the share link, to gather supporters
    assert "0 of 2 supporters" in html
    assert timezone.localtime(petition.support_deadline).strftime("%Y-%m-%d") in html
    assert reverse("petitions:withdraw", args=[petition.pk]) in html
    assert client_for(moderator).get(url).status_code == 200


def test_public_pages_render_for_everyone(world, open_petition, moderator, client_for):
    for user in (None, world.citizen, world.other_citizen, world.handler, moderator):
        client = client_for(user)
        assert client.get(detail_url(open_petition)).status_code == 200, user
        assert client.get(reverse("petitions:list")).status_code == 200
        assert client.get(reverse("petitions:count", args=[open_petition.pk])).status_code == 200


def test_citizen_pages_need_a_login(world, open_petition):
    client = Client()
    for name, args in (
        ("petitions:create", []),
        ("petitions:mine", []),
        ("petitions:create_preview", []),
        ("petitions:withdraw", [open_petition.pk]),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    response = client.post(reverse("petitions:sign", args=[open_petition.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Signature.objects.count() == 0


def test_odd_urls_are_404_not_500(world, open_petition):
    client = Client()
    for path in (
        "/petitions/99999999999999999999/",
        "/petitions/0/",
        "/petitions/123456789012/count",
        f"/petitions/{open_petition.pk}/images/999999/",
        "/petitions/s/no-such-token/",
    ):
        assert client.get(path).status_code == 404, path
    draft_image = client.get("/petitions/new/images/0123456789abcdef/")  # an author's draft
    assert draft_image.status_code == 302 and "/accounts/login/" in draft_image["Location"]


# --- the petition page --------------------------------------------------------------------------


def test_petition_page_shows_count_thresholds_dates_and_regions(world, open_petition):
    seoul = Region.objects.get(code="11110")
    busan = Region.objects.get(code="26110")
    first, second, third = signers(3)
    for user, region in ((first, seoul), (second, seoul), (third, busan)):
        user.region = region
        user.save(update_fields=["region"])
    for user in (first, second):
        signing.petition_sign(petition=open_petition, by=user)
    # the third signature makes 3: the referral threshold of the small type
    signing.petition_sign(petition=open_petition, by=third)
    open_petition.refresh_from_db()
    assert open_petition.status == Status.REFERRED

    response = en_client().get(detail_url(open_petition))
    html = html_of(response)
    count_url = reverse("petitions:count", args=[open_petition.pk])
    assert f'hx-get="{count_url}"' in html and 'aria-live="polite"' in html
    assert "<strong>3</strong> signatures" in html
    assert "At 3 signatures: referred to the competent agency" in html
    assert "At 5 signatures: the government must answer" in html
    assert "(reached)" in html
    assert "Referred to the agency" in html  # the status
    assert timezone.localtime(open_petition.closes_at).strftime("%Y-%m-%d") in html
    # the tile map and the table: Seoul 2 (66.7%), Busan 1
    assert 'class="tile-map" aria-hidden="true"' in html
    assert re.search(
        r"<th scope=\"row\">Seoul</th><td class=\"num\">2</td>"
        r"<td class=\"num\">66\.7%</td>",
        html,
    )
    assert re.search(r"<th scope=\"row\">Busan</th><td class=\"num\">1</td>", html)
    # Seoul, the largest share, darkest, at its place on the map
    assert '<div class="tile shade-5 tile-r1 tile-c2"><span class="tile-name">Seoul</span>' in html

    fragment = en_client().get(count_url)
    assert fragment.status_code == 200
    assert html_of(fragment).strip() == "<strong>3</strong> signatures"


def test_regions_csv_parses(world, open_petition):
    user = signers(1)[0]
    user.region = Region.objects.get(code="11110")
    user.save(update_fields=["region"])
    signing.petition_sign(petition=open_petition, by=user)
    signing.petition_sign(petition=open_petition, by=world.other_citizen)  # no region
    response = en_client().get(reverse("petitions:regions_csv", args=[open_petition.pk]))
    assert response.status_code == 200
    header, *rows = csv_rows(response)
    assert header == ["code", "name_ko", "name_en", "signatures", "share"]
    by_code = {row[0]: row for row in rows}
    assert by_code["11"][1] == "서울특별시" and by_code["11"][3] == "1"
    assert by_code["11"][4] == "0.5000"
    assert by_code[""][2] == "Unknown" and by_code[""][3] == "1"
    provinces = Region.objects.filter(parent=None).count()
    assert len(rows) == provinces + 1


def test_rejected_duplicate_links_to_the_original(world, small_type, moderator):
    original = opened(world, small_type, moderator)
    copy = in_review(world, small_type, author=world.other_citizen, title="Potholes again")
    services.petition_reject(
        petition=copy,
        by=moderator,
        reason=RejectionReason.DUPLICATE,
        text="The same request is already open.",
        duplicate_of=original,
    )
    html = html_of(en_client().get(detail_url(copy)))
    assert "Why this petition was not accepted" in html
    assert "Duplicate of an existing petition" in html
    assert "The same request is already open." in html
    assert f'<a href="{detail_url(original)}">{original.title}</a>' in html
    assert reverse("petitions:sign", args=[copy.pk]) not in html


def test_answer_due_extension_and_published_answer_are_shown(world, open_petition):
    for user in signers(5):
        signing.petition_sign(petition=open_petition, by=user)
    open_petition.refresh_from_db()
    assert open_petition.status == Status.AWAITING_ANSWER
    answers.petition_extend_answer(
        petition=open_petition, by=world.approver, days=10, reason="We are consulting the cities."
    )
    html = html_of(en_client().get(detail_url(open_petition)))
    assert "Answer due" in html and "Extended once: We are consulting the cities." in html
    answers.petition_answer_save(
        petition=open_petition,
        by=world.handler,
        text="We will repair the road in May.",
        submit=True,
    )
    html = html_of(en_client().get(detail_url(open_petition)))
    assert "We will repair the road in May." not in html  # not before approval
    answers.petition_answer_approve(petition=open_petition, by=world.approver)
    html = html_of(en_client(world.other_citizen).get(detail_url(open_petition)))
    assert "The government&#x27;s answer" in html or "The government's answer" in html
    assert "We will repair the road in May." in html


def test_images_of_a_public_petition_are_served(world, small_type, moderator):
    from nara.core.uploads import clean_upload

    petition = services.petition_create(
        author=world.citizen,
        title="Fix the potholes on Sejong-daero",
        body=BODY,
        type=small_type,
        images=[clean_upload(png_upload())],
    )
    [image] = petition.images.all()
    url = reverse("petitions:image", args=[petition.pk, image.pk])
    assert Client().get(url).status_code == 404  # not public yet
    share_url = reverse("petitions:share_image", args=[petition.share_token, image.pk])
    assert Client().get(share_url).status_code == 200
    for user in signers(2):
        services.petition_support(petition=petition, by=user)
    services.petition_open(petition=petition, by=moderator, unit=world.roads)
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert url in html_of(Client().get(detail_url(petition)))


# --- signing when signed in ---------------------------------------------------------------------


def test_signed_in_citizen_signs_with_one_click_and_counts_once(world, open_petition):
    client = en_client(world.other_citizen)
    page = html_of(client.get(detail_url(open_petition)))
    sign_url = reverse("petitions:sign", args=[open_petition.pk])
    assert f'action="{sign_url}"' in page and 'name="email"' not in page
    response = client.post(sign_url, follow=True)
    assert response.status_code == 200
    html = html_of(response)
    assert "Thank you: your signature is counted." in html
    assert "You signed this petition." in html
    assert signature_count(open_petition.pk) == 1
    again = html_of(client.post(sign_url, follow=True))
    assert "You have already signed this petition." in again
    assert signature_count(open_petition.pk) == 1
    assert Signature.objects.filter(petition=open_petition).count() == 1


def test_signing_a_petition_that_is_not_open_is_refused_kindly(world, small_type):
    petition = gathering(world, small_type)
    response = en_client(world.citizen).post(reverse("petitions:sign", args=[petition.pk]))
    assert response.status_code == 302
    assert Signature.objects.count() == 0


def test_unconfirmed_citizen_must_confirm_the_email_first(world, open_petition):
    newcomer = make_user("newcomer@example.com")
    newcomer.email_confirmed = False
    newcomer.save(update_fields=["email_confirmed"])
    response = en_client(newcomer).post(reverse("petitions:sign", args=[open_petition.pk]))
    assert response.status_code == 403
    assert "Confirm your e-mail address first" in html_of(response)
    assert Signature.objects.count() == 0


# --- signing by e-mail --------------------------------------------------------------------------


def test_email_signing_sends_one_link_that_only_a_post_spends(
    world, open_petition, django_capture_on_commit_callbacks
):
    client = en_client()
    page = html_of(client.get(detail_url(open_petition)))
    assert 'name="email"' in page and 'name="stamp"' in page and 'name="sido"' in page
    assert re.search(r'name="notify_answer"[^>]* checked>', page)  # "tell me about the answer"
    url = reverse("petitions:sign_by_email", args=[open_petition.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, sign_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:check_email", args=[open_petition.pk])
    assert "Check your e-mail" in html_of(client.get(response["Location"]))
    assert [m.to for m in mail.outbox] == [["minsu@example.org"]]
    link = confirm_link("minsu@example.org")
    assert link in mail.outbox[0].body

    # a mail scanner opens the link: nothing is spent
    scanner = Client()
    for _ in range(2):
        opened_page = scanner.get(link, **EN)
        assert opened_page.status_code == 200
        assert "Confirm my signature" in html_of(opened_page)
        assert opened_page["Referrer-Policy"] == "no-referrer"
        assert opened_page["Cache-Control"] == "no-store"
    assert signature_count(open_petition.pk) == 0
    assert PendingSignature.objects.get().confirmed_at is None

    # the person presses Confirm: counted once
    counted = en_client().post(link)
    assert counted.status_code == 200
    assert "Your signature is counted" in html_of(counted)
    assert counted["Cache-Control"] == "no-store"
    assert signature_count(open_petition.pk) == 1
    signature = Signature.objects.get()
    assert signature.region.code == "11110" and signature.sido_code == "11"
    assert signature.notify is True

    again = en_client().post(link)
    assert "Your signature was already counted" in html_of(again)
    assert signature_count(open_petition.pk) == 1
    assert "Your signature was already counted" in html_of(en_client().get(link))


def test_confirm_works_with_csrf_checks_and_no_referrer(world, open_petition):
    client = en_client()
    client.post(reverse("petitions:sign_by_email", args=[open_petition.pk]), sign_data())
    link = confirm_link("minsu@example.org")
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    # no-referrer makes browsers send "Origin: null" with the button's POST
    response = browser.post(link, HTTP_ORIGIN="null")
    assert response.status_code == 200
    assert signature_count(open_petition.pk) == 1


def test_email_already_signed_when_signed_in_says_already_counted(world, open_petition):
    signing.petition_sign(petition=open_petition, by=world.other_citizen)
    en_client().post(
        reverse("petitions:sign_by_email", args=[open_petition.pk]),
        sign_data(email="Bob@Example.com"),
    )
    link = confirm_link("Bob@Example.com")
    response = en_client().post(link)
    assert response.status_code == 200
    assert "Your signature was already counted" in html_of(response)
    assert signature_count(open_petition.pk) == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"stamp": None},  # no timestamp at all: as fast as a script
        {"email": "someone@mailinator.com"},  # a disposable address
    ],
    ids=["too_fast", "disposable"],
)
def test_refused_quietly_gets_the_same_page_and_no_mail(world, open_petition, overrides):
    client = en_client()
    url = reverse("petitions:sign_by_email", args=[open_petition.pk])
    if overrides.get("stamp", "") is None:
        client.get(detail_url(open_petition))
        fresh = form_stamp()  # issued with the page just now, sent at once
        data = sign_data(stamp=fresh)
    else:
        data = sign_data(**overrides)
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:check_email", args=[open_petition.pk])
    assert not OutboxMessage.objects.filter(to_email=data["email"]).exists()
    assert PendingSignature.objects.count() == 0


def test_email_form_errors_keep_what_was_typed(world, open_petition):
    url = reverse("petitions:sign_by_email", args=[open_petition.pk])
    response = en_client().post(url, sign_data(email="not-an-address", sigungu="26110"))
    assert response.status_code == 400
    html = html_of(response)
    assert "Enter a valid e-mail address." in html
    assert "Jung-gu is not in Seoul" in html
    assert 'value="Kim Minsu"' in html and 'value="not-an-address"' in html
    assert not OutboxMessage.objects.filter(to_email="not-an-address").exists()
    assert PendingSignature.objects.count() == 0
    missing = en_client().post(url, sign_data(sido="", sigungu=""))
    assert "Choose your province or metropolitan city." in html_of(missing)


def test_email_form_never_gives_500(world, open_petition, settings):
    settings.NARA_RATE_LIMITS_ENABLED = False
    url = reverse("petitions:sign_by_email", args=[open_petition.pk])
    client = Client()
    for value in ("a\x00b", "x" * 10_000, "🙂" * 500, "<script>", ""):
        data = dict.fromkeys(("name", "email", "sido", "sigungu", "notify_answer", "stamp"), value)
        response = client.post(url, data)
        assert response.status_code == 400, (value[:10], response.status_code)
    assert client.post(url, {}).status_code == 400


def test_rate_limited_signing_answers_429_with_a_message(world, open_petition, settings):
    # one fixed instant: the limit's 10-second window cannot roll over between the requests
    with time_machine.travel(timezone.now(), tick=False):
        settings.NARA_RATE_LIMITS_ENABLED = True
        settings.NARA_RATE_LIMITS = {**settings.NARA_RATE_LIMITS, "petition_sign_burst": (1, 10)}
        first = en_client(world.other_citizen).post(
            reverse("petitions:sign", args=[open_petition.pk])
        )
        assert first.status_code == 302
        limited = en_client(world.handler).post(reverse("petitions:sign", args=[open_petition.pk]))
        assert limited.status_code == 429
        assert "Please wait a few minutes and try again." in html_of(limited)
        assert limited["Retry-After"]
        by_email = en_client().post(
            reverse("petitions:sign_by_email", args=[open_petition.pk]), sign_data()
        )
        assert by_email.status_code == 429
        assert signature_count(open_petition.pk) == 1
        assert OutboxMessage.objects.filter(to_email="minsu@example.org").count() == 0
        korean = Client(HTTP_ACCEPT_LANGUAGE="ko").post(
            reverse("petitions:sign_by_email", args=[open_petition.pk]), sign_data()
        )
        assert korean.status_code == 429 and '<html lang="ko">' in html_of(korean)


def test_invalid_or_expired_confirm_link_gets_a_clear_page(world, open_petition):
    assert en_client().get("/petitions/confirm/not-a-token/").status_code == 400
    response = en_client().post("/petitions/confirm/not-a-token/")
    assert response.status_code == 400 and "This link does not work" in html_of(response)
    en_client().post(reverse("petitions:sign_by_email", args=[open_petition.pk]), sign_data())
    link = confirm_link("minsu@example.org")
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        expired = en_client().post(link)
    assert expired.status_code == 400 and "This link does not work" in html_of(expired)
    assert signature_count(open_petition.pk) == 0


def test_sigungu_endpoint_gives_the_options_of_one_sido(db):
    client = en_client()
    response = client.get(reverse("sigungu_options"), {"sido": "11"})
    assert response.status_code == 200
    html = html_of(response)
    assert '<option value="11110">Jongno-gu</option>' in html
    assert "26110" not in html and "<optgroup" not in html
    everything = html_of(client.get(reverse("sigungu_options")))
    assert '<optgroup label="Busan">' in everything and "11110" in everything
    assert client.get(reverse("sigungu_options"), {"sido": "x" * 500}).status_code == 200


def test_the_signing_form_loads_sigungu_with_htmx_and_works_without(world, open_petition):
    html = html_of(en_client().get(detail_url(open_petition)))
    assert f'hx-get="{reverse("sigungu_options")}"' in html
    assert 'hx-target="#id_sigungu"' in html
    assert '<optgroup label="Seoul">' in html  # without JavaScript: every 시군구, grouped


# --- caching ------------------------------------------------------------------------------------


def test_anonymous_pages_are_cached_and_signed_in_users_get_fresh_ones(world, open_petition):
    old_title = open_petition.title
    anonymous = en_client()
    assert old_title in html_of(anonymous.get(detail_url(open_petition)))
    assert old_title in html_of(anonymous.get(reverse("petitions:list")))
    Petition.objects.filter(pk=open_petition.pk).update(title="A brand new title")
    assert old_title in html_of(en_client().get(detail_url(open_petition)))
    assert old_title in html_of(en_client().get(reverse("petitions:list")))
    signed_in = en_client(world.other_citizen)
    assert "A brand new title" in html_of(signed_in.get(detail_url(open_petition)))
    assert "A brand new title" in html_of(signed_in.get(reverse("petitions:list")))
    korean = Client(HTTP_ACCEPT_LANGUAGE="ko").get(detail_url(open_petition))
    assert "A brand new title" in html_of(korean)  # cached per language


def test_cached_page_gives_each_visitor_a_working_csrf_token(world, open_petition):
    first = Client(enforce_csrf_checks=True)
    second = Client(enforce_csrf_checks=True)
    tokens = []
    for client in (first, second):
        html = html_of(client.get(detail_url(open_petition)))
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1))
        assert "naraSlot" not in html
    assert tokens[0] != tokens[1]
    response = second.post(
        reverse("petitions:sign_by_email", args=[open_petition.pk]),
        {**sign_data(), "csrfmiddlewaretoken": tokens[1]},
    )
    assert response.status_code == 302


def test_live_count_fragment_is_cached_a_second(world, open_petition):
    url = reverse("petitions:count", args=[open_petition.pk])
    assert "<strong>0</strong>" in html_of(en_client().get(url))
    signing.petition_sign(petition=open_petition, by=world.other_citizen)
    assert "<strong>0</strong>" in html_of(en_client().get(url))
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        assert "<strong>1</strong>" in html_of(en_client().get(url))


# --- writing a petition -------------------------------------------------------------------------


def test_create_flow_keeps_everything_through_edit_and_submits_once(world, small_type, moderator):
    similar = opened(world, small_type, moderator, title="More public libraries in Seoul")
    client = en_client(world.other_citizen)
    form = html_of(client.get(reverse("petitions:create")))
    assert 'maxlength="100"' in form and 'maxlength="5000"' in form
    assert 'aria-describedby="id_title_helptext id_title_count"' in form
    assert 'data-count=""' in form and "nara/nara.js" in form

    response = client.post(
        reverse("petitions:create"),
        {**write_data(category=str(world.roads_category.pk)), "images": [png_upload()]},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:create_similar")
    html = html_of(client.get(response["Location"]))
    assert similar.title in html and detail_url(similar) in html

    preview = html_of(client.get(reverse("petitions:create_preview")))
    assert "More public libraries open at night" in preview and BODY in preview
    assert "https://example.org/libraries" in preview and "Roads" in preview
    [image_url] = re.findall(r'src="(/petitions/new/images/[0-9a-f]{16}/)"', preview)
    image = client.get(image_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert en_client(world.citizen).get(image_url).status_code == 404  # the draft is private

    # Edit: back to the form with everything kept, the image included
    edit = html_of(client.get(reverse("petitions:create")))
    assert 'value="More public libraries open at night"' in edit and BODY in edit
    assert 'value="https://example.org/libraries"' in edit
    assert image_url in edit and 'name="remove_images"' in edit
    assert f'<option value="{world.roads_category.pk}" selected>' in edit
    response = client.post(
        reverse("petitions:create"),
        write_data(title="More public libraries open late", category=str(world.roads_category.pk)),
    )
    assert response.status_code == 302
    preview = html_of(client.get(reverse("petitions:create_preview")))
    assert "More public libraries open late" in preview and image_url in preview
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)

    submitted = client.post(reverse("petitions:create_submit"), {"token": token})
    petition = Petition.objects.get(author=world.other_citizen)
    assert submitted["Location"] == detail_url(petition)
    assert petition.title == "More public libraries open late" and petition.body == BODY
    assert petition.links == ["https://example.org/libraries"]
    assert petition.category == world.roads_category and petition.status == Status.GATHERING
    [stored] = PetitionImage.objects.filter(petition=petition)
    with Image.open(stored.file) as picture:  # re-encoded, the same pixels
        assert picture.format == "PNG" and picture.getpixel((0, 0)) == (20, 120, 200)

    again = client.post(reverse("petitions:create_submit"), {"token": token})
    assert again["Location"] == detail_url(petition)
    assert Petition.objects.filter(author=world.other_citizen).count() == 1

    page = html_of(client.get(detail_url(petition)))
    assert reverse("petitions:share", args=[petition.share_token]) in page
    assert "0 of 100 supporters" in page  # the default type asks for 100
    assert "Your petition was created." in page
    assert client.get(image_url).status_code == 404  # the draft is gone


def test_bad_image_gets_an_error_and_keeps_the_text_and_the_good_image(world):
    client = en_client(world.citizen)
    bad = SimpleUploadedFile("broken.jpg", b"this is not a picture", content_type="image/jpeg")
    pdf = SimpleUploadedFile("doc.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "application/pdf")
    response = client.post(
        reverse("petitions:create"), {**write_data(), "images": [bad, pdf, png_upload()]}
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "broken.jpg is not a PDF, JPEG or PNG file." in html
    assert "doc.pdf is not a JPEG or PNG image." in html
    assert 'value="More public libraries open at night"' in html and BODY in html
    assert len(re.findall(r'name="remove_images"', html)) == 1  # the good one is kept
    assert client.get(reverse("petitions:create_preview")).status_code == 302  # not checked yet


def test_images_can_be_removed_and_are_limited(world):
    client = en_client(world.citizen)
    colors = [(10, 10, 10), (200, 0, 0), (0, 200, 0), (0, 0, 200)]
    response = client.post(
        reverse("petitions:create"),
        {**write_data(), "images": [png_upload(f"p{i}.png", c) for i, c in enumerate(colors)]},
    )
    assert response.status_code == 400
    assert "A petition can have at most 3 images" in html_of(response)
    keys = re.findall(r'name="remove_images" value="([0-9a-f]+)"', html_of(response))
    assert len(keys) == 3
    response = client.post(
        reverse("petitions:create"), {**write_data(), "remove_images": [keys[0], "bogus"]}
    )
    assert response.status_code == 302
    preview = html_of(client.get(reverse("petitions:create_preview")))
    assert len(re.findall(r"/petitions/new/images/", preview)) == 2


def test_write_form_errors(world):
    client = en_client(world.citizen)
    response = client.post(
        reverse("petitions:create"),
        write_data(title="x" * 101, body="Too short.", link1="javascript:alert(1)"),
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "Explain your petition in at least 30 characters." in html
    assert "Links must be web addresses" in html
    assert "at most 100 characters" in html
    assert 'value="javascript:alert(1)"' in html


def test_write_form_never_gives_500(world):
    client = en_client(world.citizen)
    fields = ("title", "body", "category", "link1", "link2", "link3", "remove_images")
    for value in ("a\x00b", "x" * 10_000, "🙂" * 500, "<script>", ""):
        response = client.post(reverse("petitions:create"), dict.fromkeys(fields, value))
        assert response.status_code == 400, (value[:10], response.status_code)
    bogus = client.post(reverse("petitions:create_submit"), {"token": "\x00" * 10})
    assert bogus.status_code == 302


def test_body_line_ends_count_once(world):
    client = en_client(world.citizen)
    body = "\r\n".join(["line"] * 1000)  # 5998 characters with CR LF, 4999 with LF
    response = client.post(reverse("petitions:create"), write_data(body=body))
    assert response.status_code == 302
    preview = client.get(reverse("petitions:create_preview"))
    assert preview.context["draft"]["body"] == body.replace("\r\n", "\n")


def test_creating_petitions_is_rate_limited(world, settings):
    settings.NARA_RATE_LIMITS_ENABLED = True
    settings.NARA_RATE_LIMITS = {**settings.NARA_RATE_LIMITS, "petition_create": (1, 3600)}
    client = en_client(world.citizen)
    for n in range(2):
        client.post(reverse("petitions:create"), write_data(title=f"Libraries number {n}"))
        preview = html_of(client.get(reverse("petitions:create_preview")))
        token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
        response = client.post(reverse("petitions:create_submit"), {"token": token})
    assert response.status_code == 429
    assert "You have created many petitions in a short time." in html_of(response)
    assert Petition.objects.filter(author=world.citizen).count() == 1


def test_discarding_the_draft_starts_again(world):
    client = en_client(world.citizen)
    client.post(reverse("petitions:create"), {**write_data(), "images": [png_upload()]})
    response = client.post(reverse("petitions:create_discard"), follow=True)
    html = html_of(response)
    assert "Your draft was deleted." in html and BODY not in html
    assert client.get(reverse("petitions:create_preview")).status_code == 302


# --- the share link, supporters, withdrawal -----------------------------------------------------


def test_share_link_gathers_supporters(world, small_type):
    petition = gathering(world, small_type)
    url = reverse("petitions:share", args=[petition.share_token])
    anonymous = html_of(en_client().get(url))
    assert petition.title in anonymous and "Log in to support" in anonymous
    assert "0 of 2 supporters" in anonymous
    author = html_of(en_client(world.citizen).get(url))
    assert "This is your petition" in author
    assert reverse("petitions:support", args=[petition.share_token]) not in author

    supporter = en_client(world.other_citizen)
    response = supporter.post(reverse("petitions:support", args=[petition.share_token]))
    assert response.status_code == 302
    html = html_of(supporter.get(url))
    assert "You support this petition." in html and "1 of 2 supporters" in html
    supporter.post(reverse("petitions:support", args=[petition.share_token]))
    assert Supporter.objects.filter(petition=petition).count() == 1
    own = en_client(world.citizen).post(
        reverse("petitions:support", args=[petition.share_token]), follow=True
    )
    assert "You cannot support your own petition." in html_of(own)


def test_share_link_of_a_public_petition_leads_to_its_page(world, open_petition):
    response = Client().get(reverse("petitions:share", args=[open_petition.share_token]))
    assert response.status_code == 302 and response["Location"] == detail_url(open_petition)


def test_author_withdraws_before_it_opens(world, small_type):
    petition = gathering(world, small_type)
    url = reverse("petitions:withdraw", args=[petition.pk])
    assert en_client(world.other_citizen).get(url).status_code == 404
    assert en_client(world.other_citizen).post(url).status_code == 404
    client = en_client(world.citizen)
    assert "Withdraw your petition?" in html_of(client.get(url))
    response = client.post(url, follow=True)
    assert "Your petition was withdrawn." in html_of(response)
    petition.refresh_from_db()
    assert petition.status == Status.WITHDRAWN
    share = html_of(en_client().get(reverse("petitions:share", args=[petition.share_token])))
    assert "no longer gathering supporters" in share and BODY not in share


def test_open_petition_cannot_be_withdrawn(world, open_petition):
    response = en_client(world.citizen).post(
        reverse("petitions:withdraw", args=[open_petition.pk]), follow=True
    )
    assert "This petition can no longer be withdrawn." in html_of(response)
    open_petition.refresh_from_db()
    assert open_petition.status == Status.OPEN


# --- my petitions -------------------------------------------------------------------------------


def test_my_petitions_lists_written_and_signed(world, small_type, moderator):
    mine = gathering(world, small_type, author=world.other_citizen, title="My own petition")
    other = opened(world, small_type, moderator, title="Somebody else's petition")
    signing.petition_sign(petition=other, by=world.other_citizen)
    html = html_of(en_client(world.other_citizen).get(reverse("petitions:mine")))
    assert "My own petition" in html and "Gathering supporters" in html
    assert "0 of 2 supporters" in html
    assert "Somebody else&#x27;s petition" in html
    assert detail_url(mine) in html and detail_url(other) in html
    nothing = html_of(en_client(world.handler).get(reverse("petitions:mine")))
    assert "You have not written a petition yet." in nothing
    assert "You have not signed a petition yet." in nothing


def test_an_expired_copy_is_rendered_again_by_one_request_only(
    world, open_petition, monkeypatch, settings
):
    from nara.core import pagecache

    url = detail_url(open_petition)
    assert open_petition.title in html_of(en_client().get(url))
    Petition.objects.filter(pk=open_petition.pk).update(title="Renamed meanwhile")
    later = time.time() + settings.NARA_PUBLIC_CACHE_SECONDS + 1
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    # another request is already rendering it: this visitor gets the older copy at once
    monkeypatch.setattr(caches["pages"], "add", lambda *args, **kwargs: False)
    assert open_petition.title in html_of(en_client().get(url))
    monkeypatch.undo()
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    assert "Renamed meanwhile" in html_of(en_client().get(url))  # this one renders it


def test_a_page_gone_meanwhile_is_never_served_from_an_older_copy(
    world, open_petition, monkeypatch, settings
):
    """A petition withdrawn after its page was cached: once the copy is old, the request that
    renders it again gets 404, and so does everyone after it (the older copy is dropped, not
    served while "someone is rendering")."""
    from nara.core import pagecache

    url = detail_url(open_petition)
    assert en_client().get(url).status_code == 200
    Petition.objects.filter(pk=open_petition.pk).update(status=Status.WITHDRAWN)
    later = time.time() + settings.NARA_PUBLIC_CACHE_SECONDS + 1
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    assert en_client().get(url).status_code == 404
    assert en_client().get(url).status_code == 404


def test_a_rejected_petition_publishes_its_title_and_reason_not_its_text(
    world, moderator, small_type
):
    from nara.petitions import services

    from .petition_helpers import in_review

    petition = in_review(world, small_type, title="A petition about my neighbour")
    Petition.objects.filter(pk=petition.pk).update(body="My neighbour's number is 010-9999-0000.")
    services.petition_reject(
        petition=petition, by=moderator, reason="personal_data", text="It names a person."
    )
    html = html_of(en_client().get(detail_url(petition)))
    assert "It names a person." in html and "010-9999-0000" not in html
    api = Client().get(f"/api/v1/petitions/{petition.pk}").json()
    assert api["body"] == "" and api["rejection"]["text"] == "It names a person."
    author = en_client(world.citizen).get(detail_url(petition))
    assert "010-9999-0000" in html_of(author)  # its author still reads it


def test_odd_query_strings_do_not_make_new_cached_pages(world, open_petition):
    response = en_client().get(detail_url(open_petition) + "?utm=x")
    assert response.status_code == 302 and response["Location"] == detail_url(open_petition)
    listing = en_client().get(reverse("petitions:list") + "?list=popular&zz=1")
    assert listing.status_code == 302 and listing["Location"].endswith("?list=popular")
    assert en_client().get(reverse("petitions:list") + "?list=popular").status_code == 200
