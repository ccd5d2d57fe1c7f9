"""Load the demo: agencies, officials, citizens and complaints in every state.

Conventions (demo data only, so that anyone can script against the demo):
- every demo account's password is $NARA_DEMO_PASSWORD (default "nara-demo");
- citizens are citizen1@demo.nara.kr … citizen200@demo.nara.kr;
- every unit has handler.<unit code>@demo.nara.kr and approver.<unit code>@demo.nara.kr, whose
  TOTP secret is $NARA_DEMO_TOTP_SECRET (a default base32 value, printed);
- operator@demo.nara.kr is an operator (Django admin), with the same TOTP secret;
- moderator@demo.nara.kr moderates petitions, with the same TOTP secret.
Running it again changes nothing."""

import os
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from nara.accounts.models import User
from nara.agencies.models import Category, Membership, RoutingRule, Unit
from nara.complaints import answers, deadlines, services
from nara.complaints.models import Complaint
from nara.core.models import Region
from nara.disclosure import demo as disclosure_demo
from nara.petitions import answers as petition_answers
from nara.petitions import services as petitions
from nara.petitions import signing
from nara.petitions.models import PetitionType

# kind, category, unit, title, text, signatures (None: gathering; "review": in moderation)
PETITIONS = [
    (
        "national",
        "safety",
        "police-traffic",
        "어린이 보호구역 과속 단속 카메라를 모든 초등학교 앞에 설치해 주세요",
        "어린이 보호구역에서 과속 차량 때문에 아이들이 위험합니다. 단속 카메라가 없는 학교가 "
        "아직 많습니다. 모든 초등학교 정문 앞 어린이 보호구역에 과속 단속 카메라를 설치하고, "
        "등하교 시간에는 교통 안내 인력을 배치해 주시기 바랍니다.\n\n"
        "Please install speed cameras in front of every primary school.",
        30,
    ),
    (
        "national",
        "environment",
        "me-air",
        "Publish hourly fine-dust readings for every school playground",
        "Parents decide every morning whether children can play outside. Please publish the "
        "hourly PM2.5 and PM10 readings measured at or near every school, in Korean and in "
        "English, as open data and on a simple map.",
        "review",
    ),
    (
        "national",
        "housing",
        "molit-housing",
        "전세 보증금 반환 보증 가입을 임대인 의무로 해 주세요",
        "전세 사기 피해가 계속되고 있습니다. 임대인이 전세 보증금 반환 보증에 반드시 "
        "가입하도록 하고, 가입 여부를 계약 전에 임차인이 확인할 수 있게 해 주십시오.",
        None,
    ),
    (
        "local",
        "parks",
        "seoul-parks",
        "동네 공원에 그늘막과 음수대를 늘려 주세요",
        "여름마다 공원에 그늘이 부족해 어르신과 아이들이 이용하기 어렵습니다. 주요 동네 "
        "공원에 그늘막과 음수대를 추가로 설치해 주시기 바랍니다.",
        25,
    ),
    (
        "local",
        "roads",
        "seoul-traffic",
        "심야 버스 노선을 외곽 지역까지 늘려 주세요",
        "밤늦게 일을 마치는 시민들이 외곽 지역으로 돌아갈 방법이 없습니다. 심야 버스(올빼미 "
        "버스) 노선을 외곽 지역까지 연장해 주시기 바랍니다.",
        45,
    ),
    (
        "local",
        "roads",
        "seoul-traffic",
        "자전거 도로의 끊긴 구간을 이어 주세요",
        "출퇴근길 자전거 도로가 여러 곳에서 끊겨 차도로 내려가야 합니다. 끊긴 구간을 "
        "연결하고 안내 표지를 설치해 주시기 바랍니다.",
        42,
    ),
]
PETITION_ANSWER = (
    "청원에 참여해 주신 시민 여러분께 감사드립니다. 올해 안에 끊긴 자전거 도로 12개 구간을 "
    "연결하고, 구간마다 안내 표지를 설치하겠습니다. 공사 일정은 시 누리집에 공개합니다."
)

DEFAULT_PASSWORD = "nara-demo"
DEFAULT_TOTP_SECRET = "NARADEMOTOTPSECRETBASE32AAAAAAAA"
DOMAIN = "demo.nara.kr"

# code, Korean name, English name, kind, parent code
UNITS = [
    ("mois", "행정안전부", "Ministry of the Interior and Safety", "ministry", None),
    ("mois-civil", "민원제도과", "Civil Petitions Division", "department", "mois"),
    ("molit", "국토교통부", "Ministry of Land, Infrastructure and Transport", "ministry", None),
    ("molit-roads", "도로정책과", "Road Policy Division", "department", "molit"),
    ("molit-housing", "주택정책과", "Housing Policy Division", "department", "molit"),
    ("me", "환경부", "Ministry of Environment", "ministry", None),
    ("me-air", "대기환경정책과", "Air Quality Policy Division", "department", "me"),
    ("me-water", "물환경정책과", "Water Environment Division", "department", "me"),
    ("mohw", "보건복지부", "Ministry of Health and Welfare", "ministry", None),
    ("mohw-welfare", "복지정책과", "Welfare Policy Division", "department", "mohw"),
    ("seoul", "서울특별시", "Seoul Metropolitan Government", "province", None),
    ("seoul-traffic", "교통정책과", "Transport Policy Division", "department", "seoul"),
    ("seoul-parks", "공원녹지정책과", "Parks and Greenery Division", "department", "seoul"),
    ("seoul-parks-trees", "가로수팀", "Street Trees Team", "team", "seoul-parks"),
    ("busan", "부산광역시", "Busan Metropolitan City", "province", None),
    ("busan-env", "환경정책과", "Environment Policy Division", "department", "busan"),
    ("police", "경찰청", "Korean National Police Agency", "ministry", None),
    ("police-traffic", "교통안전과", "Traffic Safety Division", "department", "police"),
]

CATEGORIES = [
    ("roads", "도로·교통", "Roads and transport"),
    ("environment", "환경", "Environment"),
    ("parks", "공원·녹지", "Parks and green spaces"),
    ("welfare", "복지", "Welfare"),
    ("housing", "주택", "Housing"),
    ("safety", "안전", "Safety"),
    ("other", "기타", "Other"),
]

# priority, category code, keywords, region code, unit code
RULES = [
    (10, "roads", "", "11", "seoul-traffic"),
    (20, "roads", "", "", "molit-roads"),
    (30, "parks", "가로수, street tree", "11", "seoul-parks-trees"),
    (40, "parks", "", "11", "seoul-parks"),
    (50, "environment", "", "26", "busan-env"),
    (60, "environment", "미세먼지, fine dust, air", "", "me-air"),
    (70, "environment", "", "", "me-water"),
    (80, "welfare", "", "", "mohw-welfare"),
    (90, "housing", "", "", "molit-housing"),
    (100, "safety", "", "", "police-traffic"),
    (200, None, "포트홀, pothole, 도로 파손", "", "molit-roads"),
    (210, None, "신호등, traffic light, 불법주차, illegal parking", "", "police-traffic"),
    (220, None, "공원, park, 놀이터, playground", "", "seoul-parks"),
]

# kind, category, title, body, region, target state
COMPLAINTS = [
    (
        "grievance",
        "roads",
        "세종대로 포트홀 보수 요청",
        "세종대로 광화문 방향 3번 출구 앞에 깊은 포트홀이 있어 차량 파손 위험이 있습니다.",
        "11110",
        "received",
    ),
    (
        "grievance",
        "roads",
        "Pothole near Gangnam station exit 11",
        "A large pothole has opened in the right lane; two cars hit it this morning.",
        "11680",
        "in_progress",
    ),
    (
        "proposal",
        "parks",
        "공원 내 그늘막 설치 건의",
        "여름철 어린이 놀이터 주변에 그늘막을 설치해 주시기 바랍니다.",
        "11440",
        "pending_approval",
    ),
    (
        "law_question",
        "housing",
        "전세 계약 갱신 청구권 문의",
        "계약갱신청구권을 두 번 사용할 수 있는지 법령 해석을 요청합니다.",
        "41135",
        "answered",
    ),
    (
        "procedure_question",
        "welfare",
        "기초연금 신청 절차 문의",
        "부모님 기초연금 신청을 대리로 할 수 있는지, 필요한 서류가 무엇인지 알고 싶습니다.",
        "26350",
        "closed",
    ),
    (
        "other",
        "safety",
        "신호등 고장 신고",
        "○○사거리 보행자 신호등이 계속 빨간불로 멈춰 있습니다.",
        "11650",
        "waiting_citizen",
    ),
    (
        "grievance",
        "environment",
        "Factory smoke at night",
        "A factory releases thick smoke every night around 2 a.m.; please inspect it.",
        "26440",
        "withdrawn",
    ),
    (
        "other",
        None,
        "홈페이지 로그인 오류",
        "민원 포털에서 로그인이 되지 않습니다. 확인 부탁드립니다.",
        "",
        "triage",
    ),
    (
        "proposal",
        "environment",
        "미세먼지 저감을 위한 살수차 운행 확대",
        "미세먼지가 심한 날 살수차 운행을 늘려 주세요.",
        "11200",
        "received",
    ),
    (
        "grievance",
        "parks",
        "가로수 가지치기 요청",
        "가로수 가지가 전선에 닿아 위험합니다.",
        "11305",
        "in_progress",
    ),
    (
        "grievance",
        "roads",
        "버스 정류장 안내판 파손",
        "정류장 안내판이 부서져 노선 정보를 볼 수 없습니다.",
        "11170",
        "answered",
    ),
    (
        "proposal",
        "welfare",
        "Longer opening hours for the welfare centre",
        "Working parents cannot reach the centre before 18:00; please open on Saturdays.",
        "11500",
        "closed",
    ),
]

ANSWERS = {
    "answered": "안녕하십니까. 말씀하신 사항을 검토한 결과, 이번 주 안에 현장 조치를 완료하겠습니다. 감사합니다.",
    "closed": "Thank you for your proposal. We will extend opening hours on Saturdays from next month.",
}


class Command(BaseCommand):
    help = "Load demo agencies, officials, citizens and complaints (idempotent)."

    def handle(self, *args, **options):
        password = os.environ.get("NARA_DEMO_PASSWORD", DEFAULT_PASSWORD)
        secret = os.environ.get("NARA_DEMO_TOTP_SECRET", DEFAULT_TOTP_SECRET)
        if User.objects.filter(email=f"operator@{DOMAIN}").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            self._load(password, secret)
        self._print_accounts(password, secret)

    def _load(self, password: str, secret: str) -> None:
        hashed = make_password(password)  # hash once; 200+ accounts share it
        with transaction.atomic():
            units = {}
            for code, ko, en, kind, parent in UNITS:
                units[code] = Unit.objects.create(
                    code=code, name_ko=ko, name_en=en, kind=kind, parent=units.get(parent)
                )
            categories = {
                code: Category.objects.create(code=code, name_ko=ko, name_en=en)
                for code, ko, en in CATEGORIES
            }
            for priority, category, keywords, region, unit in RULES:
                RoutingRule.objects.create(
                    priority=priority,
                    category=categories.get(category),
                    keywords=keywords,
                    region=Region.objects.filter(code=region).first() if region else None,
                    unit=units[unit],
                )
            officials = []
            for code, ko, _en, _kind, _parent in UNITS:
                for role in (Membership.Role.HANDLER, Membership.Role.APPROVER):
                    user = User(
                        email=f"{role}.{code}@{DOMAIN}",
                        name=f"{ko} {'담당자' if role == 'handler' else '결재권자'}",
                        password=hashed,
                        email_confirmed=True,
                        totp_secret=secret,
                        totp_confirmed=True,
                    )
                    officials.append((user, units[code], role))
            User.objects.bulk_create([u for u, _unit, _role in officials])
            Membership.objects.bulk_create(
                Membership(user=u, unit=unit, role=role) for u, unit, role in officials
            )
            User.objects.create(
                email=f"operator@{DOMAIN}",
                name="운영자",
                password=hashed,
                email_confirmed=True,
                is_staff=True,
                is_superuser=True,
                totp_secret=secret,
                totp_confirmed=True,
            )
            regions = list(Region.objects.exclude(parent=None).values_list("pk", flat=True))
            User.objects.bulk_create(
                User(
                    email=f"citizen{i}@{DOMAIN}",
                    name=f"시민{i}",
                    password=hashed,
                    email_confirmed=True,
                    region_id=regions[i % len(regions)],
                    preferred_language="en" if i % 5 == 0 else "ko",
                )
                for i in range(1, 201)
            )
        self._complaints(categories)
        self._petitions(categories, units, hashed, secret)
        self._participation(units)
        self._disclosure(units)
        self._documents(units)

    def _complaints(self, categories) -> None:
        get = User.objects.get
        operator = get(email=f"operator@{DOMAIN}")
        for i, (kind, category, title, body, region, target) in enumerate(COMPLAINTS, start=1):
            citizen = get(email=f"citizen{i}@{DOMAIN}")
            complaint = services.complaint_file(
                citizen=citizen,
                kind=kind,
                title=title,
                body=body,
                category=categories.get(category),
                region=Region.objects.filter(code=region).first() if region else None,
                publish_consent=target in ("answered", "closed"),
                confirm_repeat=True,
            )
            self._advance(complaint, target, citizen, operator)
        # two overdue complaints, so the inbox shows how they stand out (demo backdating only)
        for complaint in Complaint.objects.filter(status__in=["received", "in_progress"])[:2]:
            past = timezone.now() - timedelta(days=12)
            Complaint.objects.filter(pk=complaint.pk).update(
                received_at=past, clock_started_at=past, due_at=past + timedelta(days=9)
            )
        deadlines.complaints_escalate_overdue()

    def _advance(self, complaint, target, citizen, operator) -> None:
        if target in ("received", "triage"):
            return
        unit = complaint.unit
        handler = get_role(unit, "handler")
        approver = get_role(unit, "approver")
        if target == "withdrawn":
            services.complaint_withdraw(complaint=complaint, by=citizen)
            return
        services.complaint_claim(complaint=complaint, by=handler)
        services.complaint_add_note(
            complaint=complaint, by=handler, body="현장 확인 필요 / site visit needed"
        )
        if target == "in_progress":
            return
        if target == "waiting_citizen":
            services.complaint_request_info(
                complaint=complaint,
                by=handler,
                question="정확한 위치(사거리 이름)를 알려 주시겠습니까?",
            )
            return
        answers.complaint_submit_answer(
            complaint=complaint, by=handler, body=ANSWERS.get(target, ANSWERS["answered"])
        )
        if target == "pending_approval":
            return
        answers.complaint_approve(complaint=complaint, by=approver)
        if target == "closed":
            services.complaint_rate(
                complaint=complaint, by=citizen, rating=5, comment="빠른 답변 감사합니다."
            )

    def _petitions(self, categories, units, hashed, secret) -> None:
        """Petitions in every stage. The national type keeps the real thresholds (50,000 and
        200,000), so its demo petition is simply open; a "local" type with small thresholds
        shows a referred, an awaiting and an answered petition reached by real signatures."""
        moderator = User.objects.create(
            email=f"moderator@{DOMAIN}",
            name="청원 심사자",
            password=hashed,
            email_confirmed=True,
            is_moderator=True,
            totp_secret=secret,
            totp_confirmed=True,
        )
        local = PetitionType.objects.create(
            code="local",
            name_ko="지역 청원",
            name_en="Local petition",
            supporters_needed=5,
            refer_threshold=20,
            answer_threshold=40,
        )
        national = petitions.default_type()
        citizens = list(
            User.objects.filter(email__endswith=f"@{DOMAIN}", email__startswith="citizen")
        )
        citizens.sort(key=lambda u: int(u.email[7:].split("@")[0]))
        made = []
        for n, (kind, category, unit, title, body, signatures) in enumerate(PETITIONS):
            author = citizens[194 + n]
            ptype = national if kind == "national" else local
            petition = petitions.petition_create(
                author=author, title=title, body=body, category=categories[category], type=ptype
            )
            made.append(petition)
            if signatures is None:  # still gathering: a few supporters so far
                for user in citizens[80:83]:
                    petitions.petition_support(petition=petition, by=user)
                continue
            for user in citizens[80 : 80 + ptype.supporters_needed]:
                petition = petitions.petition_support(petition=petition, by=user)
            if signatures == "review":
                continue
            petition = petitions.petition_open(petition=petition, by=moderator, unit=units[unit])
            for user in citizens[:signatures]:
                signing.petition_sign(petition=petition, by=user)
        answered = made[-1]
        unit = units[PETITIONS[-1][2]]
        petition_answers.petition_answer_save(
            petition=answered, by=get_role(unit, "handler"), text=PETITION_ANSWER, submit=True
        )
        petition_answers.petition_answer_approve(petition=answered, by=get_role(unit, "approver"))

    def _participation(self, units) -> None:
        from nara.participation import demo

        citizens = list(
            User.objects.filter(email__endswith=f"@{DOMAIN}", email__startswith="citizen")
        )
        citizens.sort(key=lambda u: int(u.email[7:].split("@")[0]))
        demo.load(
            demo.DemoContext(
                units=units,
                citizens=citizens,
                moderator=User.objects.get(email=f"moderator@{DOMAIN}"),
                operator=User.objects.get(email=f"operator@{DOMAIN}"),
                domain=DOMAIN,
            )
        )

    def _documents(self, units) -> None:
        from nara.documents import demo

        demo.load(units, DOMAIN)

    def _disclosure(self, units) -> None:
        citizens = list(
            User.objects.filter(email__endswith=f"@{DOMAIN}", email__startswith="citizen")
        )
        citizens.sort(key=lambda u: int(u.email[7:].split("@")[0]))
        disclosure_demo.load(units=units, citizens=citizens, domain=DOMAIN)

    def _print_accounts(self, password: str, secret: str) -> None:
        w = self.stdout.write
        w("")
        w(f"Demo accounts (password for all: {password})")
        w(f"  citizens:   citizen1@{DOMAIN} … citizen200@{DOMAIN}")
        w("  officials, a handler and an approver in each unit (as the site names it):")
        names = dict((code, name) for code, name, *_rest in UNITS)
        for code, name_ko, name_en, _kind, parent in UNITS:
            where = f"{name_ko} ({name_en})" + (f", {names[parent]}" if parent else "")
            w(f"    {where}: handler.{code}@{DOMAIN}, approver.{code}@{DOMAIN}")
        w(f"  operator:   operator@{DOMAIN} (admin at /admin/)")
        w(f"  moderator:  moderator@{DOMAIN} (petitions at /moderation/, participation at")
        w("              /participation/moderation/)")
        w(f"  TOTP secret of officials and the operator: {secret}")
        w(
            '              (add it to an authenticator app, or: python -c "import pyotp; '
            f"print(pyotp.TOTP('{secret}').now())\")"
        )


def get_role(unit, role):
    return User.objects.get(email=f"{role}.{unit.code}@{DOMAIN}")
