import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from nara.core.prepared import PreparedQuery


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, email_confirmed=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: citizens, officials (who have memberships), operators (staff)."""

    class Language(models.TextChoices):
        KOREAN = "ko", "한국어"
        ENGLISH = "en", "English"

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language, default=Language.KOREAN
    )
    notify_email = models.BooleanField(_("notify me by e-mail"), default=True)
    notify_site = models.BooleanField(_("notify me on the site"), default=True)
    email_confirmed = models.BooleanField(_("e-mail confirmed"), default=False)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed = models.BooleanField(_("two-factor authentication set up"), default=False)
    totp_last_step = models.BigIntegerField(default=0)  # refuses a code used twice
    is_staff = models.BooleanField(_("operator"), default=False)
    is_moderator = models.BooleanField(_("moderator"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    @property
    def is_official(self) -> bool:
        from nara.agencies.selectors import official_unit_ids

        return bool(official_unit_ids(self))

    @property
    def needs_two_factor(self) -> bool:
        return self.is_staff or self.is_moderator or self.is_official


class Session(AbstractBaseSession):
    """A database session (SESSION_ENGINE nara.accounts.sessions) with the id of its signed-in
    user beside the signed data, kept in step by the session store. A request reads its session
    and its user in one query, and a user's sessions can be found (and ended) without decoding
    every session. No foreign key in the database: a session naming a user deleted meanwhile
    still saves; deleting a user through Django ends their sessions."""

    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True)
    # the app as it named itself when the token was issued (its User-Agent), for its owner's
    # list of tokens: which one is the phone, which one the old tablet
    client = models.CharField(_("app"), max_length=100, blank=True, default="")
    # A keyed hash of the user's password hash when the token was issued: a token ends when
    # the password changes, wherever it is changed (reset link, admin, manage.py).
    password_tag = models.CharField(max_length=64, default="")
    # Issued after a TOTP code: only such tokens act for officials and operators, so a token a
    # citizen got before becoming an official cannot skip the second factor.
    two_factor = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    TOUCH_SECONDS = 300  # last_used_at is refreshed at most this often

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def password_tag_key() -> str:
        """The secret mixed into password tags (derived from SECRET_KEY)."""
        return salted_hmac("nara.accounts.api-token", "tag-key", algorithm="sha256").hexdigest()

    @classmethod
    def password_tag_of(cls, user: User) -> str:
        """SHA-256 of the tag key, ':' and the user's password hash: a form PostgreSQL computes
        too, so that the signing statement (nara/petitions/fastpath.py) checks it in SQL."""
        return hashlib.sha256(f"{cls.password_tag_key()}:{user.password}".encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.expires_at is None or self.expires_at <= timezone.now()

    @classmethod
    def token_for(cls, raw: str):
        """The token a raw value stands for, with its active user, or None. A token counts
        until it expires or the user's password changes; tokens of officials and operators
        count only if issued after a TOTP code. Records the use (at most every TOUCH_SECONDS)."""
        if not raw or len(raw) > 200:
            return None
        token = _token_by_hash.first(key_hash=cls.hash(raw))
        if token is None:
            return None
        from nara.agencies.selectors import remember_memberships

        remember_memberships(token.user, token.user_memberships)
        if token.user.needs_two_factor and not token.two_factor:
            return None  # issued before the user became an official: get a new one with otp
        if token.is_expired or not constant_time_compare(
            token.password_tag, cls.password_tag_of(token.user)
        ):
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > (
            cls.TOUCH_SECONDS
        ):
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token

    @classmethod
    def user_for(cls, raw: str):
        """The active user a raw token stands for, or None (see token_for)."""
        token = cls.token_for(raw)
        return token.user if token is not None else None

    @classmethod
    def issue(cls, user: User, *, two_factor: bool = False, client: str = "") -> str:
        """A new token for `user`, valid for NARA_API_TOKEN_DAYS days. Only its hash is kept.
        The user's oldest tokens beyond NARA_API_TOKENS_PER_USER end. `client`: the app's
        User-Agent (printable characters kept, 100 at most)."""
        raw = secrets.token_urlsafe(32)
        now = timezone.now()
        # issued after the password (and code) were checked: that is its first use
        cls.objects.create(
            user=user,
            key_hash=cls.hash(raw),
            two_factor=two_factor,
            last_used_at=now,
            expires_at=now + timedelta(days=settings.NARA_API_TOKEN_DAYS),
            password_tag=cls.password_tag_of(user),
            client="".join(ch for ch in client if ch.isprintable()).strip()[:100],
        )
        # at most NARA_API_TOKENS_PER_USER live tokens: signing in again and again ends the
        # oldest instead of piling up rows
        keep = cls.objects.filter(user=user).order_by("-created_at", "-id")
        keep = keep.values_list("pk", flat=True)[: settings.NARA_API_TOKENS_PER_USER]
        cls.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
        return raw


def _token_with_user(key_hash: str):
    from nara.agencies.selectors import packed_memberships  # agencies depends on accounts

    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, user__is_active=True)
        .annotate(user_memberships=packed_memberships("user_id"))
        .order_by()[:1]
    )


# Every API request reads its token, user and the user's memberships: compiled once
# (nara.core.prepared).
_token_by_hash = PreparedQuery(_token_with_user)


class SignInThrottle(models.Model):
    """Failed sign-ins (a wrong password or TOTP code, on the web or the API) of one e-mail
    address, from any client address: after a few, each attempt waits for a time that doubles
    with each further failure, up to a cap (nara.accounts.throttle). Keyed by a hash of the
    address, so that an unknown address is throttled exactly like a known one."""

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    wait_until = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")
